package io.leadflow.channel.email;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import jakarta.mail.internet.MimeMessage;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * The built-in mail catcher of the embedded default: a real SMTP server inside the app that keeps every mail it
 * receives, listed at {@code /mailbox}. Off in prod (and whenever {@code leadflow.mail.catcher.enabled=false}).
 */
@Component
@ConditionalOnProperty(name = "leadflow.mail.catcher.enabled", havingValue = "true")
public class MailCatcher implements SmartLifecycle {

    private final GreenMail greenMail;
    private volatile boolean running;

    MailCatcher(EmailSettings settings) {
        ServerSetup smtp = new ServerSetup(settings.catcher().port(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        this.greenMail = new GreenMail(smtp);
    }

    public List<MimeMessage> messages() {
        List<MimeMessage> newestFirst = new ArrayList<>(Arrays.asList(greenMail.getReceivedMessages()));
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    @Override
    public void start() {
        greenMail.start();
        running = true;
    }

    @Override
    public void stop() {
        greenMail.stop();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Start before the delivery flow polls, stop after it. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 100;
    }
}
