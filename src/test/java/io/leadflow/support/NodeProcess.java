package io.leadflow.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Leadflow node started as a JVM of its own (a main class of the application's, on this JVM's class path), reached
 * over loopback HTTP: a node that can be held to a share of the CPU (the bench's M6) or killed as a crash kills it.
 * Its output goes to the log file it is given.
 */
public final class NodeProcess implements AutoCloseable {

    private static final Duration START_LIMIT = Duration.ofMinutes(2);

    public final String name;
    public final int port;
    private final Process process;
    private final Path log;

    private NodeProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the node ({@code main} with {@code args}) on {@code port}, which it is reached at: a
     * {@code --server.port} or {@code --leadflow.public-url} among the arguments gives way. Returns once
     * {@code /actuator/health} is UP.
     */
    public static NodeProcess start(String name, Class<?> main, int port, Path log, List<String> args)
            throws Exception {
        return start(name, main, port, log, List.of("-Xmx768m"), args);
    }

    /** As {@link #start(String, Class, int, Path, List)}, with these JVM options instead of {@code -Xmx768m}. */
    public static NodeProcess start(String name, Class<?> main, int port, Path log, List<String> jvmOptions,
            List<String> args) throws Exception {
        List<String> nodeArgs = new ArrayList<>();
        args.stream().filter(a -> !a.startsWith("--server.port=") && !a.startsWith("--leadflow.public-url="))
                .forEach(nodeArgs::add);
        nodeArgs.add("--server.port=" + port);
        nodeArgs.add("--leadflow.public-url=http://127.0.0.1:" + port);
        NodeProcess node = new NodeProcess(name, port, launch(main, jvmOptions, nodeArgs, log), log);
        node.awaitHealthy();
        return node;
    }

    /**
     * Runs {@code main} in a JVM of its own on this JVM's class path, its output in {@code log}; the JVM is killed if
     * this one ends first.
     */
    public static Process launch(Class<?> main, List<String> jvmOptions, List<String> args, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return process;
    }

    /** A TCP port nothing listens on at the moment, for a node to start on. */
    public static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void awaitHealthy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Node " + name + " exited with " + process.exitValue() + " while"
                        + " starting: see " + log);
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(uri("/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("UP")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException("Node " + name + " not healthy within " + START_LIMIT + ": see " + log);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The node's resident memory now and its peak so far ({@code VmRSS}, {@code VmHWM}), in MB; -1 once gone. */
    public double[] residentMegabytes() {
        try {
            double rss = -1;
            double peak = -1;
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                } else if (line.startsWith("VmHWM:")) {
                    peak = Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
            return new double[] {rss, peak};
        } catch (IOException gone) {
            return new double[] {-1, -1};
        }
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time the node's process used so far (user and system), in milliseconds. */
    public long cpuMillis() {
        return ProcStat.cpuMillis(process.pid(), false);
    }

    /** Kills the node as a crash or {@code kill -9} does: no shutdown, nothing given back. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the node as an operator would (SIGTERM: the application shuts down gracefully), killing it after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** CPU time of processes from {@code /proc/<pid>/stat}. */
    public static final class ProcStat {

        private static final long MILLIS_PER_TICK = 10; // CLK_TCK is 100 on Linux

        private ProcStat() {
        }

        /** utime + stime (and, with {@code children}, the reaped children's) of one process; 0 once it is gone. */
        public static long cpuMillis(long pid, boolean children) {
            String[] fields = fields(Path.of("/proc", String.valueOf(pid), "stat"));
            if (fields == null) {
                return 0;
            }
            // after the ")" that ends the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            if (children) {
                ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            }
            return ticks * MILLIS_PER_TICK;
        }

        /** CPU time of every process named {@code command} (with their reaped children), in milliseconds. */
        public static long cpuMillisOf(String command) {
            long total = 0;
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path proc : (Iterable<Path>) procs::iterator) {
                    String pid = proc.getFileName().toString();
                    if (pid.chars().allMatch(Character::isDigit)) {
                        try {
                            if (Files.readString(proc.resolve("comm")).trim().equals(command)) {
                                total += cpuMillis(Long.parseLong(pid), true);
                            }
                        } catch (IOException gone) {
                            // ended meanwhile
                        }
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return total;
        }

        private static String[] fields(Path stat) {
            try {
                String line = Files.readString(stat);
                return line.substring(line.lastIndexOf(')') + 2).split(" ");
            } catch (IOException gone) {
                return null;
            }
        }
    }
}
