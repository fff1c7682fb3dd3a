package io.leadflow.bench;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.Address;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import com.icegreen.greenmail.util.GreenMail;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;

/**
 * The running Leadflow under benchmark and what the benchmarks share: its database, its engine (the raw baselines run
 * on the same engine, so same database and history level), the SMTP server it sends to, and small helpers to drive
 * load and wait for work with a deadline.
 */
record BenchApp(ConfigurableApplicationContext ctx, JdbcTemplate jdbc, ProcessEngine engine, GreenMail smtp,
        String run) {

    static final int THREADS = 8;
    private static final Pattern CONFIRM_LINK = Pattern.compile("/optin/confirm\\?token=([A-Za-z0-9_\\-]+)");

    <T> T bean(Class<T> type) {
        return ctx.getBean(type);
    }

    long count(String sql, Object... args) {
        Long n = jdbc.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    /** Captures a lead the way the public form does and answers its id. */
    String capture(String email) {
        return bean(LeadService.class).capture(request(email), new CaptureContext("bench", "127.0.0.1", "bench")).id();
    }

    /** A lead captured by the bench's form and confirmed by the link in its email; answers its id. */
    String confirmedLead(String email) throws Exception {
        String leadId = capture(email);
        require("the confirmation email to " + email + " sent", () -> count("""
                select count(*) from email_outbox where lead_id = ? and purpose = 'doi-confirmation'
                   and status = 'SENT'""", leadId) == 1, Duration.ofMinutes(1));
        String token = confirmTokens(List.of(email)).get(email);
        if (bean(io.leadflow.consent.ConsentService.class).confirm(token, "127.0.0.1", "bench")
                != io.leadflow.consent.ConsentService.ConfirmOutcome.CONFIRMED) {
            throw new IllegalStateException("Lead " + leadId + " was not confirmed by its link");
        }
        return leadId;
    }

    static CaptureRequest request(String email) {
        return new CaptureRequest(email, "Bench", "Mark", "Bench Corp", "VP Marketing", "software", "1200", "FR",
                null, "bench", null, null, null, "bench consent v1", "en", null);
    }

    /**
     * The confirmation link's token of each address, read from the emails Leadflow sent (the token is stored only as a
     * hash, so the email is the one place to find it).
     */
    Map<String, String> confirmTokens(Collection<String> addresses) throws Exception {
        Set<String> wanted = new HashSet<>();
        addresses.forEach(a -> wanted.add(a.toLowerCase(Locale.ROOT)));
        Map<String, String> tokens = new HashMap<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            Address[] to = message.getAllRecipients();
            if (to == null || to.length == 0) {
                continue;
            }
            String address = ((InternetAddress) to[0]).getAddress().toLowerCase(Locale.ROOT);
            if (!wanted.contains(address)) {
                continue;
            }
            Matcher m = CONFIRM_LINK.matcher(text(message));
            if (m.find()) {
                tokens.put(address, m.group(1));
            }
        }
        if (tokens.size() < wanted.size()) {
            throw new IllegalStateException("Found confirmation links for " + tokens.size() + " of " + wanted.size()
                    + " addresses in the " + smtp.getReceivedMessages().length + " emails received");
        }
        return tokens;
    }

    private static String text(Part part) throws Exception {
        Object content = part.getContent();
        if (content instanceof String s) {
            return s;
        }
        if (content instanceof Multipart multipart) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < multipart.getCount(); i++) {
                all.append(text(multipart.getBodyPart(i))).append('\n');
            }
            return all.toString();
        }
        return "";
    }

    /** Runs {@code op(0..n-1)} on {@link #THREADS} threads and waits for all of them; the first failure is rethrown. */
    static void parallel(int n, IntConsumer op) throws Exception {
        io.leadflow.support.Parallel.run(n, THREADS, op);
    }

    /** Polls {@code done} every {@code every} until it holds; false when {@code limit} passed first. */
    static boolean await(BooleanSupplier done, Duration every, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(every.toNanos());
        }
        return true;
    }

    /** As {@link #await}, but a benchmark cannot go on without it: fails naming what did not happen. */
    static void require(String what, BooleanSupplier done, Duration limit) {
        if (!await(done, Duration.ofMillis(50), limit)) {
            throw new IllegalStateException("Not done within " + limit + ": " + what);
        }
    }

    /**
     * Nothing left to do: no job due (and not failed for good), no email waiting to be sent. The engine's history
     * cleanup job is left out: inside its window it re-arms itself a few seconds on whenever it found nothing, so it
     * is due again and again, and it runs anyway once the job executor looks.
     */
    boolean quiet() {
        Timestamp now = new Timestamp(ClockUtil.now().getTime());
        return count("select count(*) from act_ru_job where retries_ > 0 and suspension_state_ = 1"
                + " and (duedate_ is null or duedate_ <= ?) and handler_type_ <> 'history-cleanup'", now) == 0
                && count("select count(*) from email_outbox where status = 'SENDING'"
                        + " or (status = 'PENDING' and next_attempt_at <= ?)", now) == 0;
    }

    private static final java.util.concurrent.atomic.AtomicLong CLOCK_OFFSET = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Moves the engine's clock (and Leadflow's, which follows it) forward to {@code instant}, ticking on from there,
     * and wakes the job executor's acquisition, idle before the jump: otherwise the first acquisition comes after
     * whatever idle wait it has backed off to (up to {@code max-wait}), which no timer count would change. One offset
     * for the whole run: M4 and M10 both move it.
     */
    static void moveEngineClockTo(BenchApp app, java.util.Date instant) {
        ClockUtil.offset(CLOCK_OFFSET.addAndGet(instant.getTime() - ClockUtil.now().getTime()));
        app.wakeJobExecutor();
    }

    /** Has the job executor's acquisition look for due jobs now rather than after its idle wait. */
    void wakeJobExecutor() {
        ((org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                .getJobExecutor().jobWasAdded();
    }

    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
