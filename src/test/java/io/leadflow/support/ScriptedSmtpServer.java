package io.leadflow.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SMTP server on a free port that refuses recipients on demand, the way receiving servers do:
 * addresses starting with {@code bounce} get {@code 550} (permanent), those starting with {@code flaky} get
 * {@code 451} (try later) the first time, those starting with {@code busy} every time; for those starting with
 * {@code slow} it takes a second to accept the message, as a loaded server does. Everything it accepts is recorded.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** @param client the name the client gave in {@code EHLO} (JavaMail's {@code mail.smtp.localhost}) */
    public record Delivery(String recipient, String data, String client) {
    }

    private final ServerSocket socket;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> recipientAttempts = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private volatile boolean running = true;

    public ScriptedSmtpServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public List<Delivery> deliveriesTo(String recipient) {
        return deliveries.stream().filter(d -> d.recipient().equalsIgnoreCase(recipient)).toList();
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** How many connections clients opened so far. */
    public int sessions() {
        return sessions.get();
    }

    /** How many times a client tried to name this recipient (accepted or not). */
    public int attemptsFor(String recipient) {
        AtomicInteger n = recipientAttempts.get(recipient.toLowerCase());
        return n == null ? 0 : n.get();
    }

    private void accept() {
        while (running) {
            try {
                Socket client = socket.accept();
                sessions.incrementAndGet();
                Thread t = new Thread(() -> serve(client), "scripted-smtp-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                var in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                var out = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8)) {
            reply(out, "220 scripted.test ESMTP");
            String recipient = null;
            String greeting = null;
            String line;
            while ((line = in.readLine()) != null) {
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
                    greeting = line.length() > 5 ? line.substring(5).trim() : "";
                    reply(out, "250 scripted.test");
                } else if (upper.startsWith("MAIL FROM")) {
                    reply(out, "250 2.1.0 OK");
                } else if (upper.startsWith("RCPT TO")) {
                    recipient = line.substring(line.indexOf('<') + 1, line.indexOf('>')).toLowerCase();
                    int attempt = recipientAttempts.computeIfAbsent(recipient, r -> new AtomicInteger()).incrementAndGet();
                    if (recipient.startsWith("bounce")) {
                        reply(out, "550 5.1.1 <" + recipient + ">: no such user");
                    } else if (recipient.startsWith("busy") || recipient.startsWith("flaky") && attempt == 1) {
                        reply(out, "451 4.3.0 temporary failure, try again later");
                    } else {
                        reply(out, "250 2.1.5 OK");
                    }
                } else if (upper.equals("DATA")) {
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    StringBuilder data = new StringBuilder();
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // undo the client's dot-stuffing (RFC 5321 §4.5.2)
                        data.append(line.startsWith("..") ? line.substring(1) : line).append('\n');
                    }
                    if (recipient != null && recipient.startsWith("slow")) {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    deliveries.add(new Delivery(recipient, data.toString(), greeting));
                    reply(out, "250 2.0.0 queued");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 bye");
                    return;
                } else {
                    reply(out, "250 OK");
                }
            }
        } catch (IOException e) {
            // client went away
        }
    }

    private static void reply(PrintWriter out, String line) {
        out.print(line + "\r\n");
        out.flush();
    }

    @Override
    public void close() throws IOException {
        running = false;
        socket.close();
    }
}
