package io.leadflow.channel.crm;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseBody;

import io.leadflow.platform.Hashing;

/**
 * The built-in sandbox CRM of the embedded default: it takes pushes like a real CRM API (bearer token,
 * Idempotency-Key), records them, shows them at {@code /sandbox-crm}, and can be told to fail. Off in prod.
 */
@Controller
@ConditionalOnProperty(name = "leadflow.sandbox-crm.enabled", havingValue = "true")
class SandboxCrmController {

    record Fault(int count, int status, Integer retryAfter) {
    }

    record Received(String id, String idempotencyKey, String payload, String receivedAt) {
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    private final String token;
    private final AtomicReference<Fault> fault = new AtomicReference<>();

    SandboxCrmController(JdbcClient jdbc, Clock clock,
            @Value("${leadflow.sandbox-crm.token}") String token) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.token = token;
    }

    @PostMapping("/sandbox-crm/api/leads")
    ResponseEntity<Map<String, Object>> receive(@RequestBody String payload,
            @RequestHeader(value = "Authorization", required = false) String authorization,
            @RequestHeader(value = "Idempotency-Key", required = false) String key) {
        if (!Hashing.constantTimeEquals(authorization, "Bearer " + token)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "invalid API token"));
        }
        if (key == null || key.isBlank()) {
            return ResponseEntity.badRequest().body(Map.of("error", "Idempotency-Key header is required"));
        }
        Fault f = fault.getAndUpdate(x -> x == null || x.count() <= 1 ? null : new Fault(x.count() - 1, x.status(), x.retryAfter()));
        if (f != null) {
            var response = ResponseEntity.status(f.status());
            if (f.retryAfter() != null) {
                response.header("Retry-After", String.valueOf(f.retryAfter()));
            }
            return response.body(Map.of("error", "sandbox fault injected"));
        }
        String id = "SBX-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            jdbc.sql("insert into sandbox_crm_records (id, idempotency_key, payload, received_at) values (?, ?, ?, ?)")
                    .params(id, key, payload.substring(0, Math.min(8000, payload.length())),
                            Timestamp.from(clock.instant()))
                    .update();
            return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("id", id));
        } catch (DuplicateKeyException repeated) {
            String existing = jdbc.sql("select id from sandbox_crm_records where idempotency_key = ?").param(key)
                    .query(String.class).single();
            return ResponseEntity.ok(Map.of("id", existing, "duplicate", true));
        }
    }

    @GetMapping(value = "/sandbox-crm/api/leads", produces = "application/json")
    @ResponseBody
    List<Received> records() {
        return jdbc.sql("select * from sandbox_crm_records order by received_at desc")
                .query((rs, n) -> new Received(rs.getString("id"), rs.getString("idempotency_key"),
                        rs.getString("payload"), rs.getTimestamp("received_at").toInstant().toString()))
                .list();
    }

    @GetMapping("/sandbox-crm")
    String page(Model model) {
        model.addAttribute("records", records());
        model.addAttribute("fault", fault.get());
        return "sandbox-crm";
    }

    @PostMapping("/sandbox-crm/faults")
    @ResponseBody
    Map<String, Object> injectFault(@RequestBody Fault requested) {
        fault.set(requested.count() <= 0 ? null : requested);
        return Map.of("armed", requested.count());
    }
}
