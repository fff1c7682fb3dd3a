package io.leadflow.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A CRM (WireMock, at {@code /crm/leads}) that fails the first push of some leads the way real CRMs do, chosen by
 * the push's {@code Idempotency-Key} so that every run fails the same share: one in five is throttled ({@code 503}
 * with {@code Retry-After: 1}), one in ten gets a {@code 500}, one in ten answers too late for the client's read
 * timeout (a {@code 503} after {@link #SLOW_ANSWER_MILLIS}). Every later push of the key is taken. Like a CRM that
 * honours idempotency keys, a key pushed again after it was taken gets the same record back ({@code 200}), so a
 * duplicate push shows in the journal as a second {@code 2xx} of the key.
 */
public final class FaultyCrm implements ResponseDefinitionTransformerV2 {

    public static final int SLOW_ANSWER_MILLIS = 1500;
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final Map<String, Boolean> taken = new ConcurrentHashMap<>();

    /** A WireMock server on a free port playing this CRM. */
    public static WireMockServer startServer() {
        WireMockServer server = new WireMockServer(options().dynamicPort().extensions(new FaultyCrm())
                .containerThreads(40));
        server.start();
        server.stubFor(post("/crm/leads").willReturn(aResponse().withStatus(201)));
        return server;
    }

    @Override
    public String getName() {
        return "faulty-crm";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        String key = event.getRequest().getHeader(IDEMPOTENCY_KEY);
        if (key == null) {
            return json(400, "{\"error\":\"Idempotency-Key missing\"}").build();
        }
        int attempt = attempts.merge(key, 1, Integer::sum);
        if (attempt == 1) {
            switch (Math.floorMod(key.hashCode(), 10)) {
                case 0, 1:
                    return json(503, "{\"error\":\"busy\"}").withHeader("Retry-After", "1").build();
                case 2:
                    return json(500, "{\"error\":\"internal\"}").build();
                case 3:
                    return json(503, "{\"error\":\"slow\"}").withFixedDelay(SLOW_ANSWER_MILLIS).build();
                default:
                    break;
            }
        }
        String id = "CRM-" + key.substring(0, key.indexOf(':') < 0 ? key.length() : key.indexOf(':'));
        boolean again = taken.putIfAbsent(key, true) != null;
        return json(again ? 200 : 201, "{\"id\":\"" + id + "\"}").build();
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body);
    }

    /** The HTTP statuses the CRM answered, per idempotency key, first answer first. */
    public static Map<String, List<Integer>> answersByKey(WireMockServer server) {
        return server.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getHeader(IDEMPOTENCY_KEY) != null)
                .sorted(java.util.Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .collect(Collectors.groupingBy(e -> e.getRequest().getHeader(IDEMPOTENCY_KEY),
                        Collectors.mapping(e -> e.getResponse().getStatus(), Collectors.toList())));
    }
}
