package io.leadflow.platform;

import static org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Secure by default (docs/api.md §1): only the listed public endpoints answer without a login. Three chains:
 * {@code /engine-rest/**} is stateless HTTP Basic (Camunda Modeler's deploy button) that refuses requests from pages
 * of other sites ({@link CrossSiteRefusal}); {@code /api/email-feedback/**} takes providers' webhooks, which carry
 * credentials of their own; everything else accepts Basic (scripts, no CSRF) or a form login session (browsers, with
 * CSRF).
 */
@Configuration
public class SecurityConfig {

    private static final String ADMIN = "ADMIN";
    private static final String MARKETER = "MARKETER";
    private static final String SALES_MANAGER = "SALES_MANAGER";
    private static final String SALES = "SALES";
    private static final String INTEGRATOR = "INTEGRATOR";
    private static final String QUALIFIER = "QUALIFIER";

    /** A sign-in refused unchecked (too many failures) answers 429 with Retry-After; any other failure as before. */
    private static AuthenticationEntryPoint throttleAware(LoginThrottle throttle, AuthenticationEntryPoint otherwise) {
        return (request, response, failure) -> {
            if (failure instanceof LoginThrottle.Throttled throttled) {
                throttle.tooMany(response, throttled);
            } else {
                otherwise.commence(request, response, failure);
            }
        };
    }

    @Bean
    @Order(1)
    SecurityFilterChain engineRest(HttpSecurity http, LeadflowSettings settings, ObjectMapper json,
            LoginThrottle throttle) throws Exception {
        var realm = new BasicAuthenticationEntryPoint();
        realm.setRealmName("Leadflow");
        realm.afterPropertiesSet();
        AuthenticationEntryPoint basic = throttleAware(throttle, realm);
        return http.securityMatcher(withDefaults().matcher("/engine-rest/**"))
                .csrf(c -> c.disable())
                .addFilterBefore(new CrossSiteRefusal(settings.publicUrl().toString(), json),
                        BasicAuthenticationFilter.class)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.authenticationEntryPoint(basic))
                .exceptionHandling(e -> e.authenticationEntryPoint(basic))
                .authorizeHttpRequests(a -> a
                        // answers whether a password is right for any user, past the throttle of failed sign-ins
                        .requestMatchers(path("/engine-rest/identity/verify"), path("/engine-rest/identity/verify/**"))
                        .denyAll()
                        .requestMatchers(get("/engine-rest/version"), get("/engine-rest/deployment"),
                                get("/engine-rest/deployment/**"), get("/engine-rest/process-definition"),
                                get("/engine-rest/process-definition/**"),
                                post("/engine-rest/deployment/create")).hasAnyRole(ADMIN, MARKETER)
                        .anyRequest().hasRole(ADMIN))
                .build();
    }

    /**
     * Email service providers' webhooks (docs/api.md §4): public POSTs, each authenticated by the provider's signature
     * or by HTTP Basic credentials of its own, which the endpoints check. Those credentials are Postmark's, not a
     * Leadflow user's: this chain reads none, so they are neither checked against our users nor counted as failed
     * sign-ins, and nothing else under the path is open.
     */
    @Bean
    @Order(2)
    SecurityFilterChain emailFeedback(HttpSecurity http) throws Exception {
        return http.securityMatcher(path("/api/email-feedback/**"))
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)))
                .authorizeHttpRequests(a -> a
                        // public (docs/api.md §1): the signature or the webhook's own credentials are checked inside
                        .requestMatchers(path("/api/email-feedback/*")).permitAll()
                        .anyRequest().denyAll())
                .build();
    }

    @Bean
    @Order(3)
    SecurityFilterChain application(HttpSecurity http, LoginThrottle throttle) throws Exception {
        RequestMatcher carriesAuthorization = r -> r.getHeader("Authorization") != null;
        RequestMatcher publicPosts = new OrRequestMatcher(post("/forms/**"), post("/optin/**"), post("/t/collect"),
                post("/api/crm/events"), post("/sandbox-crm/api/leads"));
        RequestMatcher apiLike = new OrRequestMatcher(path("/api/**"), path("/actuator/**"), path("/v3/api-docs/**"),
                path("/camunda/api/**"),
                path("/sandbox-crm/api/**"), carriesAuthorization);
        // A call without a session cookie carries nothing a forged request could ride on: CSRF is moot, and the
        // caller should hear 401 (sign in) from authorization rather than 403 for a missing token.
        RequestMatcher apiCallWithoutSession = new AndRequestMatcher(apiLike, r -> r.getRequestedSessionId() == null);
        AuthenticationEntryPoint loginFailed = throttleAware(throttle, (request, response, failure) ->
                response.sendRedirect(request.getContextPath() + "/login?error"));
        return http
                .csrf(c -> c.ignoringRequestMatchers(new OrRequestMatcher(carriesAuthorization, publicPosts,
                        apiCallWithoutSession, path("/camunda/api/**"), path("/camunda/app/**"))))
                .httpBasic(b -> {
                    var realm = new BasicAuthenticationEntryPoint();
                    realm.setRealmName("Realm");
                    b.authenticationEntryPoint(throttleAware(throttle, realm));
                })
                .formLogin(f -> f.loginPage("/login").permitAll().failureHandler(loginFailed::commence))
                .logout(l -> l.logoutRequestMatcher(new OrRequestMatcher(post("/logout"),
                        post("/camunda/api/admin/auth/user/default/logout"))).logoutSuccessUrl("/login?logout"))
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
                        new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), apiLike))
                .headers(h -> h.frameOptions(f -> f.sameOrigin()))
                .authorizeHttpRequests(a -> a
                        // Camunda's first-admin setup page: administrators come from configuration only
                        .requestMatchers(path("/camunda/api/admin/setup/**"), path("/camunda/app/admin/*/setup/**"))
                        .denyAll()
                        // the webapps' own sign-in and the engine's password check answer whether a password is right
                        // for any user, past the throttle of failed sign-ins: people sign in at /login
                        .requestMatchers(post("/camunda/api/admin/auth/user/*/login/**"),
                                path("/camunda/api/engine/engine/*/identity/verify"),
                                path("/camunda/api/engine/engine/*/identity/verify/**")).denyAll()
                        // public (docs/api.md §1)
                        .requestMatchers(publicPosts).permitAll()
                        .requestMatchers(get("/forms/**"), path("/optin/**"), path("/r/**"), get("/t.js"),
                                get("/demo/site"), get("/demo/site/**"), get("/actuator/health"), get("/actuator/health/**"), path("/error"), get("/"),
                                get("/css/**"), get("/js/**"), get("/webjars/**"), get("/login"),
                                // a browser asks for the icon beside the sign-in itself: sent to /login instead, it
                                // came back with a new anonymous session whose cookie replaced the signed-in one
                                get("/favicon.ico"), get("/favicon.svg")).permitAll()
                        // integrators
                        .requestMatchers(post("/api/leads"), post("/api/events")).hasAnyRole(INTEGRATOR, ADMIN)
                        .requestMatchers(path("/api/crm/**"), path("/sandbox-crm/**")).hasAnyRole(INTEGRATOR, ADMIN)
                        .requestMatchers(post("/api/imports"), path("/imports")).hasAnyRole(INTEGRATOR, MARKETER, ADMIN)
                        .requestMatchers(post("/api/suppressions")).hasAnyRole(MARKETER, ADMIN)
                        .requestMatchers(post("/api/deliverability/resume")).hasAnyRole(MARKETER, ADMIN)
                        .requestMatchers(post("/api/retention/runs")).hasRole(ADMIN)
                        .requestMatchers(get("/api/retention/**")).hasAnyRole(MARKETER, ADMIN)
                        .requestMatchers(get("/api/deliverability")).hasAnyRole(MARKETER, SALES_MANAGER, ADMIN)
                        .requestMatchers(get("/api/suppressions")).hasRole(ADMIN)
                        // admin only
                        .requestMatchers(delete("/api/leads/*"), get("/api/leads/export"), get("/api/leads/*/export"),
                                path("/api/consent/**"), path("/actuator/**")).hasRole(ADMIN)
                        // marketers
                        .requestMatchers(path("/api/scoring/**"), path("/api/imports/**"), path("/api/journeys/**"),
                                post("/api/leads/*/rescore"), post("/api/leads/*/resend-confirmation"), path("/mailbox"), path("/emails"), path("/api/emails"),
                                path("/api/emails/**"), path("/journeys"), path("/scoring"),
                                post("/api/analytics/experiments/*/stop"), post("/api/analytics/experiments/*/winner"))
                        .hasAnyRole(MARKETER, ADMIN)
                        .requestMatchers(path("/analytics"), path("/api/analytics/**"))
                        .hasAnyRole(MARKETER, SALES_MANAGER, ADMIN)
                        // the qualification desk: a sales manager watches it, only qualifiers decide
                        .requestMatchers(post("/api/qualifications/*/decide")).hasAnyRole(QUALIFIER, ADMIN)
                        .requestMatchers(get("/api/qualifications/report"))
                        .hasAnyRole(QUALIFIER, MARKETER, SALES_MANAGER, ADMIN)
                        .requestMatchers(path("/desk")).hasAnyRole(QUALIFIER, SALES_MANAGER, ADMIN)
                        .requestMatchers(get("/api/qualifications"), get("/api/qualifications/**"))
                        .hasAnyRole(QUALIFIER, SALES_MANAGER, ADMIN)
                        // sales
                        .requestMatchers(path("/api/handoffs/**"), path("/api/handoffs")).hasAnyRole(SALES_MANAGER, SALES, ADMIN)
                        .requestMatchers(path("/sla")).hasAnyRole(SALES_MANAGER, ADMIN)
                        // a rep sees their own handoffs there, a manager every team's: MyLeads filters
                        .requestMatchers(get("/my-leads")).hasAnyRole(SALES_MANAGER, SALES, ADMIN)
                        // a rep may mark only themself away: SalesTeamsController checks whom
                        .requestMatchers(put("/api/sales/reps/*/away")).hasAnyRole(SALES_MANAGER, SALES, ADMIN)
                        .requestMatchers(get("/api/sales/teams"), put("/api/sales/reps/*/routing"))
                        .hasAnyRole(SALES_MANAGER, ADMIN)
                        // an account's owner in sales: new MQLs of the account go to them (sticky routing)
                        .requestMatchers(put("/api/accounts/*/owner")).hasAnyRole(SALES_MANAGER, ADMIN)

                        // accounts: marketers move leads and merge accounts; everyone who reads leads reads them
                        .requestMatchers(post("/api/accounts/*/contacts"), delete("/api/accounts/*/contacts/*"),
                                post("/api/accounts/*/merge"), post("/api/accounts/backtest"),
                                get("/api/accounts/backtest/*")).hasAnyRole(MARKETER, ADMIN)
                        .requestMatchers(get("/api/accounts"), get("/api/accounts/*"), get("/api/accounts/*/score"),
                                get("/api/accounts/*/overview"), get("/accounts/*"))
                        .hasAnyRole(MARKETER, SALES_MANAGER, SALES, QUALIFIER, ADMIN)
                        // the qualification desk reads every lead, as it must look at a lead before sales has it
                        .requestMatchers(get("/api/leads"), get("/api/leads/**"), get("/leads"), get("/leads/*"))
                        .hasAnyRole(MARKETER, SALES_MANAGER, SALES, QUALIFIER, ADMIN)
                        // any signed-in user
                        .requestMatchers(path("/v3/api-docs/**"), path("/swagger-ui/**"), path("/swagger-ui.html"),
                                path("/camunda/**"), get("/home")).authenticated()
                        .anyRequest().hasRole(ADMIN))
                .build();
    }

    private static RequestMatcher path(String pattern) {
        return withDefaults().matcher(pattern);
    }

    private static RequestMatcher get(String pattern) {
        return withDefaults().matcher(HttpMethod.GET, pattern);
    }

    private static RequestMatcher post(String pattern) {
        return withDefaults().matcher(HttpMethod.POST, pattern);
    }

    private static RequestMatcher put(String pattern) {
        return withDefaults().matcher(HttpMethod.PUT, pattern);
    }

    private static RequestMatcher delete(String pattern) {
        return withDefaults().matcher(HttpMethod.DELETE, pattern);
    }
}
