package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings.Redirects;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import io.leadflow.lead.Leads;
import io.leadflow.support.ServiceTestBase;

/**
 * Who may call what (docs/api.md §1 and §8), one row per endpoint family and role: anonymous callers are asked to sign
 * in, a wrong role is forbidden, the right role gets through to the endpoint itself (which may still say 400 or
 * 404, but never 401 or 403).
 */
class AuthorizationMatrixTests extends ServiceTestBase {

    static final String ANONYMOUS = null;
    static final String ADMIN = "demo";
    static final String MARKETER = "m_marketer";
    static final String SALES = "m_sales";
    static final String SALES_MANAGER = "m_manager";
    static final String INTEGRATOR = "m_integrator";
    static final String QUALIFIER = "m_qualifier";

    private static final Map<String, String> SINGLE_ROLE_USERS = Map.of(MARKETER, "MARKETER", SALES, "SALES",
            SALES_MANAGER, "SALES_MANAGER", INTEGRATOR, "INTEGRATOR", QUALIFIER, "QUALIFIER");
    private static final String UNKNOWN_QUALIFICATION = "/api/qualifications/00000000-0000-0000-0000-000000000000";

    @Autowired
    IdentityService identity;

    /** Redirects are part of what we check (a login redirect versus a 401), so this client never follows them. */
    TestRestTemplate http;

    @BeforeEach
    void singleRoleUsersExist() {
        http = rest.withRedirects(Redirects.DONT_FOLLOW);
        SINGLE_ROLE_USERS.forEach((id, group) -> {
            if (identity.createUserQuery().userId(id).count() == 0) {
                User user = identity.newUser(id);
                user.setFirstName(id);
                user.setLastName("");
                user.setPassword("demo");
                identity.saveUser(user);
            }
            if (identity.createUserQuery().userId(id).memberOfGroup(group).count() == 0) {
                identity.createMembership(id, group);
            }
        });
    }

    /** One HTTP call: who makes it, how, and what the body is (JSON unless said otherwise). */
    record Call(String user, HttpMethod method, String path, String body, MediaType contentType, MediaType accept) {

        static Call get(String path) {
            return new Call(ANONYMOUS, HttpMethod.GET, path, null, null, MediaType.APPLICATION_JSON);
        }

        static Call delete(String path) {
            return new Call(ANONYMOUS, HttpMethod.DELETE, path, null, null, MediaType.APPLICATION_JSON);
        }

        static Call put(String path, String json) {
            return new Call(ANONYMOUS, HttpMethod.PUT, path, json, MediaType.APPLICATION_JSON,
                    MediaType.APPLICATION_JSON);
        }

        static Call post(String path, String json) {
            return new Call(ANONYMOUS, HttpMethod.POST, path, json, MediaType.APPLICATION_JSON,
                    MediaType.APPLICATION_JSON);
        }

        /** Camunda Modeler's deploy button with a model that lint refuses (no historyTimeToLive): nothing deploys. */
        static Call deployRefusedModel() {
            String model = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    + "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\""
                    + " targetNamespace=\"http://leadflow.io/test\"><bpmn:process id=\"matrix-probe\" isExecutable=\"true\">"
                    + "<bpmn:startEvent id=\"Start\"/></bpmn:process></bpmn:definitions>";
            String body = "--b\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\nmatrix-probe\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"matrix-probe.bpmn\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n" + model + "\r\n--b--\r\n";
            return new Call(ANONYMOUS, HttpMethod.POST, "/engine-rest/deployment/create", body,
                    MediaType.parseMediaType("multipart/form-data; boundary=b"), MediaType.APPLICATION_JSON);
        }

        Call as(String who) {
            return new Call(who, method, path, body, contentType, accept);
        }

        Call accepting(MediaType type) {
            return new Call(user, method, path, body, contentType, type);
        }

        @Override
        public String toString() {
            return method + " " + path + " as " + (user == null ? "anonymous" : user);
        }
    }

    private ResponseEntity<String> call(Call call) {
        HttpHeaders headers = call.user() == null ? new HttpHeaders() : basic(call.user());
        headers.setAccept(List.of(call.accept()));
        if (call.contentType() != null) {
            headers.setContentType(call.contentType());
        }
        return http.exchange(url(call.path()), call.method(), new HttpEntity<>(call.body(), headers), String.class);
    }

    /** A lead id nobody has: the right role gets 404 from the endpoint, and a wrong rule could erase nothing. */
    private static final String UNKNOWN_LEAD = "/api/leads/00000000-0000-0000-0000-000000000000";

    private static String newLeadBody() {
        return "{\"email\":\"matrix." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io\"}";
    }

    /** Back from holiday: a rep's own call that changes nothing another test relies on. */
    private static final String AWAY = "{\"away\": false}";

    private static final String UNKNOWN_LEAD_EVENT = "{\"email\":\"nobody-matrix@acme-corp.io\",\"type\":\"PAGE_VIEW\"}";

    static Stream<Call> callsThatNeedALogin() {
        return Stream.of(
                Call.post("/api/leads", newLeadBody()),
                Call.post("/api/events", UNKNOWN_LEAD_EVENT),
                Call.get(UNKNOWN_LEAD),
                Call.get("/api/leads?email=someone@acme-corp.io"),
                Call.get(UNKNOWN_LEAD + "/consent"),
                Call.get(UNKNOWN_LEAD + "/emails"),
                Call.get(UNKNOWN_LEAD + "/nurture"),
                Call.get(UNKNOWN_LEAD + "/timeline"),
                Call.get("/api/leads/search"),
                Call.post(UNKNOWN_LEAD + "/resend-confirmation", ""),
                Call.delete(UNKNOWN_LEAD),
                Call.get("/api/consent/verify"),
                Call.get("/api/handoffs"),
                Call.get("/api/handoffs?status=open"),
                Call.get("/api/handoffs/mine"),
                Call.get("/api/sales/teams"),
                Call.put("/api/sales/reps/" + SALES + "/away", AWAY),
                Call.put("/api/sales/reps/" + SALES + "/routing", ROUTING),
                Call.put(UNKNOWN_ACCOUNT + "/owner", OWNER),
                Call.get(UNKNOWN_ACCOUNT + "/overview"),
                Call.get("/mailbox"),
                Call.get("/sandbox-crm"),
                Call.get("/sandbox-crm/api/leads"),
                Call.get("/actuator/prometheus"),
                Call.get("/v3/api-docs"),
                Call.get("/engine-rest/version"),
                Call.get("/engine-rest/deployment"),
                Call.get("/engine-rest/task"),
                Call.get("/api/leads/export"),
                Call.post("/api/imports", ""),
                Call.get("/api/imports/00000000-0000-0000-0000-000000000000"),
                Call.get("/api/scoring/tables"),
                Call.get("/api/scoring/rescore"),
                Call.post("/api/scoring/rescore", "{}"),
                Call.get(UNKNOWN_RESCORE),
                Call.deployRefusedModel());
    }

    /** A rep's routing and an account's owner, set on a user and an account that do not exist: nothing changes. */
    private static final String ROUTING = "{\"weight\": 2}";
    private static final String UNKNOWN_ACCOUNT = "/api/accounts/00000000-0000-0000-0000-000000000000";
    private static final String OWNER = "{\"owner\": null}";

    /** A bulk rescore nobody started: the right role gets 404, and nothing is rescored. */
    private static final String UNKNOWN_RESCORE = "/api/scoring/rescore/00000000-0000-0000-0000-000000000000";

    static Stream<Call> callsWithTheWrongRole() {
        return Stream.of(
                Call.post("/api/leads", newLeadBody()).as(SALES),
                Call.post("/api/leads", newLeadBody()).as(MARKETER),
                Call.post("/api/events", UNKNOWN_LEAD_EVENT).as(SALES),
                Call.get(UNKNOWN_LEAD).as(INTEGRATOR),
                Call.get("/api/leads?email=someone@acme-corp.io").as(INTEGRATOR),
                Call.get(UNKNOWN_LEAD + "/emails").as(INTEGRATOR),
                Call.get(UNKNOWN_LEAD + "/nurture").as(INTEGRATOR),
                Call.get(UNKNOWN_LEAD + "/timeline").as(INTEGRATOR),
                Call.get("/api/leads/search").as(INTEGRATOR),
                Call.get("/leads").as(INTEGRATOR).accepting(MediaType.TEXT_HTML),
                Call.post(UNKNOWN_LEAD + "/resend-confirmation", "").as(SALES),
                Call.post(UNKNOWN_LEAD + "/resend-confirmation", "").as(SALES_MANAGER),
                Call.delete(UNKNOWN_LEAD).as(MARKETER),
                Call.delete(UNKNOWN_LEAD).as(SALES_MANAGER),
                Call.delete(UNKNOWN_LEAD).as(INTEGRATOR),
                Call.get("/api/leads/export").as(MARKETER),
                Call.get("/api/leads/export").as(SALES_MANAGER),
                Call.get("/api/leads/export").as(INTEGRATOR),
                Call.get(UNKNOWN_LEAD + "/export").as(MARKETER),
                Call.post("/api/imports", "").as(SALES),
                Call.post("/api/imports", "").as(SALES_MANAGER),
                Call.get("/api/imports/00000000-0000-0000-0000-000000000000").as(SALES),
                Call.get("/api/imports/00000000-0000-0000-0000-000000000000").as(INTEGRATOR),
                Call.get("/api/consent/verify").as(MARKETER),
                Call.get("/api/consent/verify").as(SALES_MANAGER),
                Call.get("/api/handoffs").as(MARKETER),
                Call.get("/api/handoffs").as(INTEGRATOR),
                Call.get("/sla").as(SALES),
                Call.get("/sla").as(QUALIFIER),
                Call.get("/api/qualifications").as(SALES),
                Call.get("/api/qualifications").as(MARKETER),
                Call.get("/api/qualifications").as(INTEGRATOR),
                Call.get(UNKNOWN_QUALIFICATION).as(SALES),
                Call.post(UNKNOWN_QUALIFICATION + "/decide", "{}").as(SALES),
                Call.post(UNKNOWN_QUALIFICATION + "/decide", "{}").as(SALES_MANAGER),
                Call.post(UNKNOWN_QUALIFICATION + "/decide", "{}").as(MARKETER),
                Call.get("/api/qualifications/report").as(SALES),
                Call.get("/desk").as(SALES).accepting(MediaType.TEXT_HTML),
                Call.get("/desk").as(MARKETER).accepting(MediaType.TEXT_HTML),
                Call.get("/api/handoffs").as(QUALIFIER),
                Call.get("/api/handoffs/mine").as(MARKETER),
                Call.get("/api/handoffs/mine").as(INTEGRATOR),
                Call.get("/my-leads").as(MARKETER).accepting(MediaType.TEXT_HTML),
                Call.get("/my-leads").as(INTEGRATOR).accepting(MediaType.TEXT_HTML),
                Call.get("/api/sales/teams").as(SALES),
                Call.get("/api/sales/teams").as(MARKETER),
                Call.put("/api/sales/reps/" + SALES + "/away", AWAY).as(MARKETER),
                Call.put("/api/sales/reps/" + SALES + "/away", AWAY).as(INTEGRATOR),
                // a rep marks only themself away
                Call.put("/api/sales/reps/" + ADMIN + "/away", AWAY).as(SALES),
                // routing and account owners are the managers'
                Call.put("/api/sales/reps/" + SALES + "/routing", ROUTING).as(SALES),
                Call.put("/api/sales/reps/" + SALES + "/routing", ROUTING).as(MARKETER),
                Call.put(UNKNOWN_ACCOUNT + "/owner", OWNER).as(SALES),
                Call.put(UNKNOWN_ACCOUNT + "/owner", OWNER).as(MARKETER),
                Call.get(UNKNOWN_ACCOUNT + "/overview").as(INTEGRATOR),
                Call.post("/api/journeys/nurture/migrate?dryRun=true", "").as(SALES_MANAGER),
                Call.post("/api/scoring/backtest", "{}").as(SALES),
                Call.get("/scoring").as(SALES).accepting(MediaType.TEXT_HTML),
                Call.get("/scoring").as(SALES_MANAGER).accepting(MediaType.TEXT_HTML),
                Call.get("/scoring").as(INTEGRATOR).accepting(MediaType.TEXT_HTML),
                Call.get("/api/scoring/tables").as(SALES),
                Call.get("/api/scoring/tables").as(SALES_MANAGER),
                Call.get("/api/scoring/tables").as(INTEGRATOR),
                Call.get("/api/scoring/rescore").as(SALES),
                Call.get("/api/scoring/rescore").as(SALES_MANAGER),
                Call.get("/api/scoring/rescore").as(INTEGRATOR),
                Call.get(UNKNOWN_RESCORE).as(SALES_MANAGER),
                Call.post("/api/scoring/rescore", "{}").as(SALES),
                Call.post("/api/scoring/rescore", "{}").as(SALES_MANAGER),
                Call.post("/api/scoring/rescore", "{}").as(INTEGRATOR),
                Call.get("/api/analytics/funnel").as(SALES),
                Call.get("/api/analytics/funnel").as(INTEGRATOR),
                Call.get("/api/suppressions").as(MARKETER),
                Call.get("/api/retention/preview").as(SALES_MANAGER),
                Call.get("/api/retention/preview").as(INTEGRATOR),
                Call.get("/api/retention/runs").as(SALES),
                Call.post("/api/retention/runs", "{}").as(MARKETER),
                Call.get("/api/deliverability").as(SALES),
                Call.get("/api/deliverability").as(INTEGRATOR),
                Call.post("/api/deliverability/resume", "{}").as(SALES_MANAGER),
                Call.get("/api/suppressions").as(SALES_MANAGER),
                Call.post("/api/suppressions", "[]").as(SALES_MANAGER),
                Call.post("/api/suppressions", "[]").as(INTEGRATOR),
                Call.get("/api/analytics/experiments").as(SALES),
                Call.get("/api/analytics/experiments").as(INTEGRATOR),
                Call.post("/api/analytics/experiments/nobody/stop", "{}").as(SALES_MANAGER),
                Call.post("/api/analytics/experiments/nobody/winner", "{}").as(SALES_MANAGER),
                Call.post("/api/analytics/experiments/nobody/winner", "{}").as(SALES),
                Call.get("/mailbox").as(SALES),
                Call.get("/sandbox-crm").as(MARKETER),
                Call.get("/sandbox-crm/api/leads").as(SALES_MANAGER),
                Call.get("/actuator/prometheus").as(MARKETER),
                Call.get("/actuator/prometheus").as(INTEGRATOR),
                Call.get("/engine-rest/version").as(SALES),
                Call.get("/engine-rest/deployment").as(INTEGRATOR),
                Call.get("/engine-rest/task").as(MARKETER),
                Call.get("/engine-rest/task").as(SALES_MANAGER),
                Call.deployRefusedModel().as(SALES));
    }

    /** A call the role may make, and what the endpoint itself answers: its own status, not merely "not 401/403". */
    record Allowed(Call call, int status) {

        @Override
        public String toString() {
            return call + " → " + status;
        }
    }

    private static Allowed allowed(Call call, int status) {
        return new Allowed(call, status);
    }

    static Stream<Allowed> callsWithTheRightRole() {
        return Stream.of(
                allowed(Call.post("/api/leads", newLeadBody()).as(INTEGRATOR), 202),
                allowed(Call.post("/api/events", UNKNOWN_LEAD_EVENT).as(INTEGRATOR), 404),
                allowed(Call.get(UNKNOWN_LEAD).as(MARKETER), 404),
                allowed(Call.get(UNKNOWN_LEAD).as(SALES_MANAGER), 404),
                allowed(Call.get("/api/leads?email=someone@acme-corp.io").as(MARKETER), 200),
                allowed(Call.get(UNKNOWN_LEAD + "/consent").as(MARKETER), 404),
                allowed(Call.get(UNKNOWN_LEAD + "/emails").as(SALES_MANAGER), 404),
                allowed(Call.get(UNKNOWN_LEAD + "/nurture").as(MARKETER), 404),
                allowed(Call.get(UNKNOWN_LEAD + "/timeline").as(SALES_MANAGER), 404),
                allowed(Call.get(UNKNOWN_LEAD + "/timeline").as(SALES), 404),
                allowed(Call.get("/api/leads/search").as(SALES), 200),
                allowed(Call.get("/leads").as(MARKETER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.post(UNKNOWN_LEAD + "/resend-confirmation", "").as(MARKETER), 404),
                allowed(Call.delete(UNKNOWN_LEAD).as(ADMIN), 404),
                allowed(Call.get("/api/leads/export").as(ADMIN).accepting(MediaType.ALL), 200),
                allowed(Call.get(UNKNOWN_LEAD + "/export").as(ADMIN), 404),
                allowed(Call.get("/api/consent/verify").as(ADMIN), 200),
                allowed(Call.get("/api/handoffs").as(SALES_MANAGER), 200),
                allowed(Call.get("/api/handoffs?status=open").as(SALES), 200),
                allowed(Call.get("/sla").as(SALES_MANAGER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/api/qualifications").as(QUALIFIER), 200),
                allowed(Call.get("/api/qualifications?status=done").as(SALES_MANAGER), 200),
                allowed(Call.get(UNKNOWN_QUALIFICATION).as(SALES_MANAGER), 404),
                allowed(Call.post(UNKNOWN_QUALIFICATION + "/decide", "{\"disposition\": \"PROSPECT\"}").as(QUALIFIER), 404),
                allowed(Call.get("/api/qualifications/report").as(MARKETER), 200),
                allowed(Call.get("/api/qualifications/codes").as(QUALIFIER), 200),
                allowed(Call.get("/desk").as(QUALIFIER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/leads").as(QUALIFIER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get(UNKNOWN_LEAD + "/timeline").as(QUALIFIER), 404),
                allowed(Call.get("/desk").as(SALES_MANAGER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/api/handoffs/mine").as(SALES), 200),
                allowed(Call.get("/api/handoffs/mine?team=enterprise").as(SALES_MANAGER), 200),
                allowed(Call.get("/api/handoffs/mine?team=nowhere").as(SALES_MANAGER), 400),
                allowed(Call.get("/api/handoffs/mine").as(ADMIN), 200),
                allowed(Call.get("/my-leads").as(SALES).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/my-leads").as(SALES_MANAGER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/api/sales/teams").as(SALES_MANAGER), 200),
                allowed(Call.put("/api/sales/reps/" + SALES + "/away", AWAY).as(SALES), 200),
                allowed(Call.put("/api/sales/reps/nobody-matrix/away", AWAY).as(SALES_MANAGER), 404),
                allowed(Call.put("/api/sales/reps/nobody-matrix/routing", ROUTING).as(SALES_MANAGER), 404),
                allowed(Call.put(UNKNOWN_ACCOUNT + "/owner", OWNER).as(SALES_MANAGER), 404),
                allowed(Call.get(UNKNOWN_ACCOUNT + "/overview").as(SALES), 404),
                allowed(Call.post("/api/journeys/nurture/migrate?dryRun=true", "").as(MARKETER), 200),
                allowed(Call.get("/scoring").as(MARKETER).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/api/scoring/tables").as(MARKETER), 200),
                allowed(Call.get("/api/scoring/rescore").as(MARKETER), 200),
                allowed(Call.get(UNKNOWN_RESCORE).as(MARKETER), 404),
                // an unknown table: the endpoint refuses it before starting anything
                allowed(Call.post("/api/scoring/rescore", "{\"decisionKey\": \"nope\"}").as(MARKETER), 400),
                allowed(Call.get("/api/analytics/funnel").as(SALES_MANAGER), 200),
                allowed(Call.get("/api/analytics/emails").as(MARKETER), 200),
                allowed(Call.get("/api/analytics/experiments").as(SALES_MANAGER), 200),
                allowed(Call.post("/api/suppressions", "[]").as(MARKETER), 200),
                allowed(Call.get("/api/deliverability").as(SALES_MANAGER), 200),
                allowed(Call.get("/api/retention/preview").as(MARKETER), 200),
                allowed(Call.get("/api/retention/runs").as(MARKETER), 200),
                allowed(Call.post("/api/deliverability/resume", "{}").as(MARKETER), 409),
                allowed(Call.get("/api/analytics/experiments/nobody").as(MARKETER), 404),
                allowed(Call.post("/api/analytics/experiments/nobody/stop", "{}").as(MARKETER), 404),
                allowed(Call.post("/api/analytics/experiments/nobody/winner", "{}").as(MARKETER), 404),
                allowed(Call.post("/api/imports", "").as(MARKETER), 415),
                allowed(Call.post("/api/imports", "").as(INTEGRATOR), 415),
                allowed(Call.get("/api/imports/00000000-0000-0000-0000-000000000000").as(MARKETER), 404),
                // the test service has no mail catcher: the page says so
                allowed(Call.get("/mailbox").as(MARKETER).accepting(MediaType.TEXT_HTML), 404),
                allowed(Call.get("/sandbox-crm").as(INTEGRATOR).accepting(MediaType.TEXT_HTML), 200),
                allowed(Call.get("/sandbox-crm/api/leads").as(INTEGRATOR), 200),
                allowed(Call.get("/actuator/prometheus").as(ADMIN).accepting(MediaType.ALL), 200),
                allowed(Call.get("/v3/api-docs").as(SALES), 200),
                allowed(Call.get("/v3/api-docs").as(INTEGRATOR), 200),
                allowed(Call.get("/engine-rest/version").as(MARKETER), 200),
                allowed(Call.get("/engine-rest/deployment").as(MARKETER), 200),
                allowed(Call.get("/engine-rest/process-definition").as(MARKETER), 200),
                allowed(Call.get("/engine-rest/task").as(ADMIN), 200),
                allowed(Call.deployRefusedModel().as(MARKETER), 400));
    }

    static Stream<Call> publicCalls() {
        return Stream.of(
                Call.get("/actuator/health"),
                Call.get("/forms/newsletter").accepting(MediaType.TEXT_HTML),
                Call.get("/optin/confirm?token=x").accepting(MediaType.TEXT_HTML),
                Call.get("/optin/unsubscribe?token=x").accepting(MediaType.TEXT_HTML),
                // the open-tracking image: public, and an unsigned one is refused with 400
                Call.get("/r/o/unsigned.0000").accepting(MediaType.ALL),
                Call.post("/forms/newsletter", "{\"email\":\"\"}"),
                Call.get("/forms/newsletter/embed.js").accepting(MediaType.ALL),
                Call.get("/forms/newsletter/definition"),
                Call.get("/t.js").accepting(MediaType.ALL),
                Call.get("/demo/site").accepting(MediaType.TEXT_HTML));
    }

    /**
     * Email service providers' webhooks (docs/api.md §4): public, but each checks the provider's own signature or
     * credentials; a Leadflow user's are none of those.
     */
    static Stream<Call> providerWebhooks() {
        return Stream.of(
                Call.post("/api/email-feedback/ses", "{}"),
                Call.post("/api/email-feedback/sendgrid", "[]"),
                Call.post("/api/email-feedback/postmark", "{}"),
                Call.post("/api/email-feedback/postmark", "{}").as(ADMIN));
    }

    @Nested
    class WithoutLogin {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#providerWebhooks")
        void leavesTheEmailProvidersWebhooksToCheckTheirOwnCredentials(Call call) {
            ResponseEntity<String> response = call(call);

            // the endpoint's own answer, a problem saying what the provider must send, not the sign-in's empty 401
            assertThat(response.getStatusCode().value()).as(call.toString()).isIn(400, 401, 403);
            assertThat(response.getHeaders().getContentType()).as(call.toString())
                    .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(response.getBody()).as(call.toString()).contains("\"detail\"");
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#callsThatNeedALogin")
        void asksAnApiCallerToSignIn(Call call) {
            ResponseEntity<String> response = call(call);

            assertThat(response.getStatusCode()).as(call.toString()).isEqualTo(HttpStatus.UNAUTHORIZED);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#publicCalls")
        void letsAnyoneUseThePublicEndpoints(Call call) {
            ResponseEntity<String> response = call(call);

            assertThat(response.getStatusCode().value()).as(call.toString()).isNotIn(401, 403);
            assertThat(response.getStatusCode().is5xxServerError()).as(call + " answered " + response.getStatusCode())
                    .isFalse();
        }

        @Test
        void answersHealthChecksWithoutLogin() {
            ResponseEntity<String> health = get("/actuator/health", null);

            assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(health.getBody()).contains("UP");
        }

        @Test
        void showsTheNewsletterFormAndTheConfirmationPageWithoutLogin() {
            assertThat(call(Call.get("/forms/newsletter").accepting(MediaType.TEXT_HTML)).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
            assertThat(call(Call.get("/optin/confirm?token=x").accepting(MediaType.TEXT_HTML)).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#anonymousEngineRestCalls")
        void challengesEngineRestCallersWithBasicAuthInsteadOfARedirect(Call call) {
            ResponseEntity<String> response = call(call);

            assertThat(response.getStatusCode()).as(call.toString()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).as(call.toString())
                    .startsWith("Basic");
            assertThat(response.getHeaders().getLocation()).as(call.toString()).isNull();
        }

        @Test
        void sendsABrowserOpeningMyLeadsToTheLoginPage() {
            ResponseEntity<String> response = call(Call.get("/my-leads").accepting(MediaType.TEXT_HTML));

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FOUND);
            assertThat(response.getHeaders().getLocation()).isNotNull();
            assertThat(response.getHeaders().getLocation().getPath()).isEqualTo("/login");
        }

        @Test
        void sendsABrowserOpeningTheScoringLabToTheLoginPage() {
            ResponseEntity<String> response = call(Call.get("/scoring").accepting(MediaType.TEXT_HTML));

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FOUND);
            assertThat(response.getHeaders().getLocation()).isNotNull();
            assertThat(response.getHeaders().getLocation().getPath()).isEqualTo("/login");
        }

        @Test
        void sendsABrowserOpeningTasklistToTheLoginPage() {
            ResponseEntity<String> response = call(Call.get("/camunda/app/tasklist/").accepting(MediaType.TEXT_HTML));

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FOUND);
            assertThat(response.getHeaders().getLocation()).isNotNull();
            assertThat(response.getHeaders().getLocation().getPath()).isEqualTo("/login");
        }
    }

    static Stream<Call> anonymousEngineRestCalls() {
        return Stream.of(
                Call.get("/engine-rest/version"),
                Call.get("/engine-rest/deployment"),
                Call.get("/engine-rest/task"),
                Call.get("/engine-rest/version").accepting(MediaType.TEXT_HTML),
                Call.deployRefusedModel());
    }

    @Nested
    class WithTheWrongRole {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#callsWithTheWrongRole")
        void forbidsTheCall(Call call) {
            ResponseEntity<String> response = call(call);

            assertThat(response.getStatusCode()).as(call.toString()).isEqualTo(HttpStatus.FORBIDDEN);
        }
    }

    @Nested
    class WithTheRightRole {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.platform.AuthorizationMatrixTests#callsWithTheRightRole")
        void letsTheCallReachTheEndpoint(Allowed allowed) {
            ResponseEntity<String> response = call(allowed.call());

            assertThat(response.getStatusCode().value()).as(allowed + ", answered: " + response.getBody())
                    .isEqualTo(allowed.status());
        }

        @Test
        void servesTheServicesAndTheEnginesMetricsToPrometheus() {
            // a request timer exists once a request has been answered: not so when this test runs first
            assertThat(get("/actuator/health", null).getStatusCode()).isEqualTo(HttpStatus.OK);
            ResponseEntity<String> scrape = call(Call.get("/actuator/prometheus").as(ADMIN).accepting(MediaType.ALL));

            assertThat(scrape.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(scrape.getBody()).contains("leadflow_engine_jobs_due", "leadflow_engine_incidents",
                    "leadflow_crm_push_failures_total", "http_server_requests_seconds");
        }

        @Test
        void erasesAThrowawayLeadOnlyForAnAdmin() {
            String id = read(postJson("/api/leads", ADMIN, Map.of("email",
                    "erase." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io"))).path("id").asText();

            assertThat(call(Call.delete("/api/leads/" + id).as(MARKETER)).getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(get("/api/leads/" + id, MARKETER).getStatusCode()).isEqualTo(HttpStatus.OK);

            assertThat(call(Call.delete("/api/leads/" + id).as(ADMIN)).getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
            assertThat(get("/api/leads/" + id, MARKETER).getStatusCode()).isEqualTo(HttpStatus.GONE);
        }
    }

    /** docs/api.md §1: SALES may use "the handoffs they own, and those leads", nothing more. */
    @Nested
    class SalesRepScope {

        @Autowired
        Leads leads;

        private String capture(String email) {
            return read(postJson("/api/leads", ADMIN, Map.of("email", email, "firstName", "Ada"))).path("id").asText();
        }

        @Test
        void keepsASalesRepOutOfALeadTheyDoNotOwn() {
            String email = "scope." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            String id = capture(email);

            ResponseEntity<String> byId = get("/api/leads/" + id, SALES);
            ResponseEntity<String> byEmail = get("/api/leads?email=" + email, SALES);

            assertThat(byId.getStatusCode().value()).as("GET /api/leads/{id} of someone else's lead").isEqualTo(404);
            assertThat(byId.getBody()).doesNotContain(email);
            assertThat(byEmail.getBody()).as("GET /api/leads?email= of someone else's lead").doesNotContain(id);
            assertThat(get("/api/leads/" + id + "/score", SALES).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(get("/api/leads/" + id + "/consent", SALES).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        }

        @Test
        void keepsASalesRepFromActingOnAHandoffAnotherRepOwns() {
            String email = confirmedDecisionMaker("hot");
            String leadId = read(get("/api/leads?email=" + email, ADMIN)).get(0).path("id").asText();
            for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
                postJson("/api/events", ADMIN, Map.of("leadId", leadId, "type", type));
            }
            var handoff = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(
                    () -> read(get("/api/handoffs?status=open", ADMIN)).findParents("leadId").stream()
                            .filter(h -> h.path("leadId").asText().equals(leadId)).findFirst().orElse(null),
                    java.util.Objects::nonNull);
            String id = handoff.path("id").asText();
            assertThat(handoff.path("owner").asText()).isNotEqualTo(SALES);

            ResponseEntity<String> accepted = call(Call.post("/api/handoffs/" + id + "/accept", "{}").as(SALES));
            ResponseEntity<String> read = get("/api/handoffs/" + id, SALES);

            assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(read.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(read(get("/api/handoffs/" + id, ADMIN)).path("status").asText()).isEqualTo("OPEN");
            assertThat(read(get("/api/handoffs?status=open", SALES)).findValuesAsText("id")).doesNotContain(id);
        }

        @Test
        void letsASalesRepReadALeadTheyOwn() {
            String email = "owned." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            String id = capture(email);
            leads.assign(id, "enterprise", SALES, Instant.now());

            ResponseEntity<String> byId = get("/api/leads/" + id, SALES);

            assertThat(byId.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(read(byId).path("email").asText()).isEqualTo(email);
            assertThat(read(get("/api/leads?email=" + email, SALES)).findValuesAsText("id")).containsExactly(id);
            assertThat(get("/api/leads/" + id + "/score", SALES).getStatusCode()).isEqualTo(HttpStatus.OK);
        }
    }

    /**
     * Browser sessions carry a CSRF token; calls with an {@code Authorization} header are stateless and need none.
     */
    @Nested
    class CrossSiteRequestForgery {

        private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");
        private static final String EVENT = "{\"email\":\"nobody-csrf@acme-corp.io\",\"type\":\"PAGE_VIEW\"}";

        @Test
        void refusesABrowserSessionPostWithoutACsrfToken() {
            String session = signIn(ADMIN);
            HttpHeaders headers = sessionHeaders(session);
            assertThat(http.exchange(url("/api/leads?email=someone@acme-corp.io"), HttpMethod.GET,
                    new HttpEntity<>(headers), String.class).getStatusCode())
                    .as("the session is signed in").isEqualTo(HttpStatus.OK);

            ResponseEntity<String> forged = http.exchange(url("/api/events"), HttpMethod.POST,
                    new HttpEntity<>(EVENT, headers), String.class);

            assertThat(forged.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        }

        @Test
        void acceptsTheSameBrowserSessionPostWithItsCsrfToken() {
            String session = signIn(ADMIN);
            HttpHeaders headers = sessionHeaders(session);
            headers.add("X-CSRF-TOKEN", csrfToken(http.exchange(url("/login"), HttpMethod.GET,
                    new HttpEntity<>(sessionHeaders(session)), String.class)));

            ResponseEntity<String> posted = http.exchange(url("/api/events"), HttpMethod.POST,
                    new HttpEntity<>(EVENT, headers), String.class);

            assertThat(posted.getStatusCode().value()).as(posted.getBody()).isNotIn(401, 403);
        }

        @Test
        void asksNoCsrfTokenOfACallWithAnAuthorizationHeader() {
            ResponseEntity<String> posted = postJson("/api/events", ADMIN, EVENT);

            assertThat(posted.getStatusCode().value()).as(posted.getBody()).isNotIn(401, 403);
        }

        @Test
        void asksNoCsrfTokenOfAnEngineRestCallWithAnAuthorizationHeader() {
            ResponseEntity<String> posted = call(Call.deployRefusedModel().as(MARKETER));

            assertThat(posted.getStatusCode().value()).as(posted.getBody()).isNotIn(401, 403);
        }

        /** Signs in through the login form like a browser and returns the session cookie. */
        private String signIn(String user) {
            ResponseEntity<String> loginPage = http.exchange(url("/login"), HttpMethod.GET,
                    new HttpEntity<>(acceptingHtml()), String.class);
            String anonymousSession = sessionCookie(loginPage);
            HttpHeaders headers = sessionHeaders(anonymousSession);
            headers.setContentType(MediaType.APPLICATION_FORM_URLENCODED);
            String form = "username=" + user + "&password=demo&_csrf=" + csrfToken(loginPage);

            ResponseEntity<String> signedIn = http.exchange(url("/login"), HttpMethod.POST,
                    new HttpEntity<>(form, headers), String.class);

            assertThat(signedIn.getStatusCode()).isEqualTo(HttpStatus.FOUND);
            assertThat(signedIn.getHeaders().getLocation()).isNotNull();
            assertThat(signedIn.getHeaders().getLocation().getQuery()).as("login succeeded").isNull();
            String session = sessionCookie(signedIn);
            return session != null ? session : anonymousSession;
        }

        private HttpHeaders sessionHeaders(String session) {
            HttpHeaders headers = acceptingHtml();
            headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.TEXT_HTML));
            headers.setContentType(MediaType.APPLICATION_JSON);
            headers.add(HttpHeaders.COOKIE, "JSESSIONID=" + session);
            return headers;
        }

        private static HttpHeaders acceptingHtml() {
            HttpHeaders headers = new HttpHeaders();
            headers.setAccept(List.of(MediaType.TEXT_HTML));
            return headers;
        }

        private static String sessionCookie(ResponseEntity<?> response) {
            List<String> cookies = response.getHeaders().getOrDefault(HttpHeaders.SET_COOKIE, List.of());
            return cookies.stream().flatMap(c -> HttpCookie.parse(c).stream())
                    .filter(c -> c.getName().equals("JSESSIONID")).map(HttpCookie::getValue).findFirst().orElse(null);
        }

        private static String csrfToken(ResponseEntity<String> page) {
            Matcher m = CSRF_FIELD.matcher(page.getBody() == null ? "" : page.getBody());
            assertThat(m.find()).as("the page carries a CSRF token").isTrue();
            return m.group(1);
        }
    }
}
