package io.leadflow.channel.crm;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.http.dsl.Http;
import org.springframework.web.client.ResponseErrorHandler;
import org.springframework.web.client.RestTemplate;

/**
 * The outbound CRM flow: gateway → HTTP outbound gateway (POST JSON with {@code Idempotency-Key}). Every status
 * comes back as a {@code ResponseEntity}; {@link CrmPushService} classifies it.
 */
@Configuration
class CrmFlows {

    @Bean
    IntegrationFlow crmPush(CrmSettings settings) {
        return f -> f.handle(Http.outboundGateway(settings.leadsUri(), crmRestTemplate(settings))
                        .httpMethod(HttpMethod.POST)
                        .mappedRequestHeaders("Idempotency-Key", "Content-Type")
                        .expectedResponseType(String.class)
                        .extractResponseBody(false),
                e -> e.id("crmOutbound"));
    }

    static RestTemplate crmRestTemplate(CrmSettings settings) {
        var factory = new SimpleClientHttpRequestFactory();
        factory.setConnectTimeout(settings.connectTimeout());
        factory.setReadTimeout(settings.readTimeout());
        RestTemplate rest = new RestTemplate(factory);
        rest.setErrorHandler(new ResponseErrorHandler() {
            @Override
            public boolean hasError(ClientHttpResponse response) {
                return false;
            }
        });
        rest.getInterceptors().add((request, body, execution) -> {
            String authorization = authorization(settings.auth());
            if (authorization != null) {
                request.getHeaders().set(HttpHeaders.AUTHORIZATION, authorization);
            }
            return execution.execute(request, body);
        });
        return rest;
    }

    private static String authorization(CrmSettings.Auth auth) {
        if (auth == null || auth.type() == null) {
            return null;
        }
        return switch (auth.type()) {
            case none -> null;
            case bearer -> "Bearer " + auth.token();
            case basic -> "Basic " + Base64.getEncoder()
                    .encodeToString((auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
            case oauth2 -> throw new IllegalStateException("unreachable: refused at start-up by CrmSettings");
        };
    }
}
