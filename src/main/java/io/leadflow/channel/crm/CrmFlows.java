package io.leadflow.channel.crm;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.http.dsl.Http;
import org.springframework.messaging.Message;
import org.springframework.web.client.ResponseErrorHandler;
import org.springframework.web.client.RestTemplate;

/**
 * The outbound CRM flow: gateway → HTTP outbound gateway (JSON with {@code Idempotency-Key}; method and address from
 * the preset, see {@link CrmGateway}). Every status comes back as a {@code ResponseEntity}; {@link CrmPushService}
 * classifies it. Auth is an interceptor: with OAuth 2.0 it retries a 401 once with a new token.
 */
@Configuration
class CrmFlows {

    @Bean
    IntegrationFlow crmPush(CrmSettings settings, Clock clock) {
        return f -> f.handle(Http.<String>outboundGateway((Message<String> m) -> m.getHeaders().get(CrmGateway.URI,
                        URI.class), crmRestTemplate(settings, clock))
                        .<String>httpMethodFunction(m -> HttpMethod.valueOf(m.getHeaders().get(CrmGateway.METHOD,
                                String.class)))
                        .mappedRequestHeaders("Idempotency-Key", "Content-Type")
                        .expectedResponseType(String.class)
                        .extractResponseBody(false),
                e -> e.id("crmOutbound"));
    }

    static RestTemplate crmRestTemplate(CrmSettings settings, Clock clock) {
        var factory = CrmFlows.requestFactory(settings);
        RestTemplate rest = new RestTemplate(factory);
        rest.setErrorHandler(new ResponseErrorHandler() {
            @Override
            public boolean hasError(ClientHttpResponse response) {
                return false;
            }
        });
        rest.getInterceptors().add(settings.auth().type() == CrmSettings.AuthType.oauth2
                ? new OAuthInterceptor(new OAuthTokens(settings, clock))
                : staticAuthorization(settings.auth()));
        return rest;
    }

    /** The JDK's HTTP client: unlike HttpURLConnection it can PATCH (Salesforce's upsert). */
    static JdkClientHttpRequestFactory requestFactory(CrmSettings settings) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        var factory = new JdkClientHttpRequestFactory(client);
        factory.setReadTimeout(settings.readTimeout());
        return factory;
    }

    private static ClientHttpRequestInterceptor staticAuthorization(CrmSettings.Auth auth) {
        String authorization = switch (auth.type()) {
            case bearer -> "Bearer " + auth.token();
            case basic -> "Basic " + Base64.getEncoder()
                    .encodeToString((auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
            case none, oauth2 -> null;
        };
        return (request, body, execution) -> {
            if (authorization != null) {
                request.getHeaders().set(HttpHeaders.AUTHORIZATION, authorization);
            }
            return execution.execute(request, body);
        };
    }

    /** Bearer token from {@link OAuthTokens}; a 401 means it expired early or was revoked: renew it, try once more. */
    private record OAuthInterceptor(OAuthTokens tokens) implements ClientHttpRequestInterceptor {

        @Override
        public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
                throws IOException {
            String token = tokens.current();
            request.getHeaders().setBearerAuth(token);
            ClientHttpResponse response = execution.execute(request, body);
            if (response.getStatusCode().value() != 401) {
                return response;
            }
            response.close();
            request.getHeaders().setBearerAuth(tokens.renew(token));
            return execution.execute(request, body);
        }
    }
}
