package io.leadflow.qualification;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.leadflow.handoff.BusinessCalendar;
import io.leadflow.handoff.SalesDirectory;
import io.leadflow.support.Chromium;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebhookSignatures;

/**
 * The qualification desk through the real journeys: the shipped qualification-route table sends grade A straight to
 * sales and grade B to the desk, where each disposition takes its path; the desk's deadline counts in business time;
 * hints come from the data; only qualifiers decide.
 */
class QualificationDeskTests extends ServiceTestBase {

    /** Fit 55 (an analyst at a 1,200-person French software company, business address): grade B. */
    static final Map<String, String> GRADE_B = Map.of("jobTitle", "Marketing Analyst");

    @Autowired
    Qualifications qualifications;
    @Autowired
    IdentityService identity;
    @Autowired
    TaskService tasks;
    @Autowired
    RuntimeService runtime;
    @Autowired
    HistoryService history;
    @Autowired
    ManagementService management;
    @Autowired
    BusinessCalendar calendar;
    @Autowired
    io.leadflow.lead.Leads leadsInStore;
    @org.springframework.beans.factory.annotation.Value("${leadflow.crm.webhook-secret}")
    String webhookSecret;

    private final List<String> groupsMade = new ArrayList<>();
    private final List<String> usersMade = new ArrayList<>();

    @AfterEach
    void clockAndIdentitiesBack() {
        ClockUtil.reset();
        identity.clearAuthentication();
        usersMade.forEach(identity::deleteUser);
        groupsMade.forEach(identity::deleteGroup);
    }

    /** A confirmed lead who engages until an MQL (three events, four for a grade C); its id. */
    String mql(String who, Map<String, String> fields, int events) {
        String leadId = leadIdOf(confirmedDecisionMaker(who, fields));
        List<String> types = List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED", "DEMO_REQUESTED");
        for (String type : types.subList(0, events)) {
            postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
        }
        return leadId;
    }

    /** The lead's qualification once routed. */
    Qualification routed(String leadId) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> qualifications.ofLead(leadId).stream()
                .reduce((a, b) -> b).orElse(null), java.util.Objects::nonNull);
    }

    /** The lead's qualification once waiting at the desk, as the list answers it. */
    JsonNode atDesk(String leadId) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode q : read(get("/api/qualifications?status=open", "demo"))) {
                if (q.path("leadId").asText().equals(leadId)) {
                    return q;
                }
            }
            return null;
        }, java.util.Objects::nonNull);
    }

    ResponseEntity<String> decide(String id, String user, Map<String, Object> body) {
        return postJson("/api/qualifications/" + id + "/decide", user, body);
    }

    JsonNode lead(String leadId) {
        return read(get("/api/leads/" + leadId, "demo"));
    }

    JsonNode handoffOf(String leadId) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/handoffs?status=open", "demo"))
                .findParents("leadId").stream().filter(h -> h.path("leadId").asText().equals(leadId))
                .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    boolean ended(String leadId, String endEvent) {
        return history.createHistoricActivityInstanceQuery().activityId(endEvent).list().stream()
                .anyMatch(a -> leadId.equals(history.createHistoricProcessInstanceQuery()
                        .processInstanceId(a.getProcessInstanceId()).singleResult().getBusinessKey()));
    }

    @Nested
    class Routing {

        @Test
        void sendsGradeAStraightToSalesAndRecordsTheDirectRoute() {
            String leadId = mql("direct", Map.of(), 3);
            JsonNode handoff = handoffOf(leadId);
            Qualification q = routed(leadId);
            assertThat(q.route()).isEqualTo(Qualification.DIRECT);
            assertThat(q.status()).isEqualTo(Qualification.DIRECT);
            assertThat(q.grade()).isEqualTo("A");
            assertThat(q.routeReason()).contains("Grade A");
            assertThat(q.dueAt()).isNull();
            assertThat(handoff.path("team").asText()).isEqualTo(q.team());
        }

        @Test
        void sendsGradeBToTheDeskAndNotToSalesUntilItDecides() {
            String leadId = mql("deskb", Map.of("jobTitle", "Marketing Analyst", "source", "webinar",
                    "utmCampaign", "spring-launch"), 3);
            JsonNode q = atDesk(leadId);
            assertThat(q.path("grade").asText()).isEqualTo("B");
            assertThat(q.path("route").asText()).isEqualTo("DESK");
            assertThat(q.path("team").asText()).isEqualTo("enterprise");
            assertThat(q.path("source").asText()).isEqualTo("webinar");
            assertThat(q.path("campaign").asText()).isEqualTo("spring-launch");
            assertThat(q.path("breached").asBoolean()).isFalse();
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("MQL");
            assertThat(read(get("/api/handoffs?status=open", "demo")).findValuesAsText("leadId")).doesNotContain(leadId);
            JsonNode detail = read(get("/api/qualifications/" + q.path("id").asText(), "demo"));
            assertThat(detail.path("taskId").asText()).isNotBlank();
            assertThat(detail.path("lead").path("grade").asText()).isEqualTo("B");
            assertThat(detail.path("lead").path("page").asText()).isEqualTo("/leads/" + leadId);
            assertThat(detail.path("routeReason").asText()).contains("Grade B");
        }
    }

    @Nested
    class Dispositions {

        @Test
        void prospectGoesToSalesWithItsBantInTheCrmPush() throws Exception {
            String leadId = mql("prospect", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            Map<String, Object> bant = Map.of("budget", "approved", "budgetRange", "20-50k EUR",
                    "authority", "INFLUENCER", "need", "Replace three marketing tools", "timeline", "THIS_QUARTER");
            ResponseEntity<String> decided = decide(id, "demo", Map.of("disposition", "PROSPECT", "bant", bant,
                    "note", "Talked on the phone; wants a demo for the team"));
            assertThat(decided.getStatusCode()).as(decided.getBody()).isEqualTo(HttpStatus.OK);
            JsonNode answer = read(decided);
            assertThat(answer.path("qualification").path("status").asText()).isEqualTo("done");
            assertThat(answer.path("qualification").path("disposition").asText()).isEqualTo("PROSPECT");
            assertThat(answer.path("qualification").path("decidedBy").asText()).isEqualTo("demo");
            assertThat(answer.path("bant").path("budget").asText()).isEqualTo("APPROVED");

            JsonNode handoff = handoffOf(leadId);
            assertThat(handoff.path("team").asText()).isEqualTo("enterprise");
            LoggedRequest push = await().atMost(Duration.ofSeconds(30)).until(() -> ExternalServers.CRM
                    .findAll(postRequestedFor(urlEqualTo("/crm/leads"))).stream()
                    .filter(r -> r.getBodyAsString().contains(leadId)).findFirst().orElse(null),
                    java.util.Objects::nonNull);
            JsonNode pushed = json.readTree(push.getBodyAsString());
            assertThat(pushed.path("bant").path("budget").asText()).isEqualTo("APPROVED");
            assertThat(pushed.path("bant").path("budgetRange").asText()).isEqualTo("20-50k EUR");
            assertThat(pushed.path("bant").path("authority").asText()).isEqualTo("INFLUENCER");
            assertThat(pushed.path("bant").path("need").asText()).isEqualTo("Replace three marketing tools");
            assertThat(pushed.path("bant").path("timeline").asText()).isEqualTo("THIS_QUARTER");
            assertThat(pushed.path("deskNote").asText()).startsWith("Talked on the phone");

            assertThat(decide(id, "demo", Map.of("disposition", "NURTURE", "reason", "TIMING")).getStatusCode())
                    .isEqualTo(HttpStatus.CONFLICT);
        }

        @Test
        void nurtureRecyclesTheLeadIntoNurture() {
            String leadId = mql("nurture", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            assertThat(decide(id, "demo", Map.of("disposition", "NURTURE", "reason", "not-ready"))
                    .getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("RECYCLED");
            await().atMost(Duration.ofSeconds(30)).until(() -> runtime.createProcessInstanceQuery()
                    .processInstanceBusinessKey(leadId).processDefinitionKey("nurture").count() == 1);
            var nurture = runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId)
                    .processDefinitionKey("nurture").singleResult();
            assertThat(runtime.getVariable(nurture.getId(), "recycled")).isEqualTo(true);
            assertThat(qualifications.get(id).reason()).isEqualTo("NOT_READY");
            assertThat(read(get("/api/handoffs?status=open", "demo")).findValuesAsText("leadId")).doesNotContain(leadId);
        }

        @Test
        void disqualifiedEndsTheLeadsJourneyWithItsReason() {
            String leadId = mql("student", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            assertThat(decide(id, "demo", Map.of("disposition", "DISQUALIFIED", "reason", "STUDENT",
                    "note", "Writing a thesis on marketing automation")).getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("DISQUALIFIED");
            await().atMost(Duration.ofSeconds(30)).until(() -> ended(leadId, "EndEvent_Disqualified"));
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
            Qualification q = qualifications.get(id);
            assertThat(q.disposition()).isEqualTo("DISQUALIFIED");
            assertThat(q.reason()).isEqualTo("STUDENT");
            assertThat(q.note()).isEqualTo("Writing a thesis on marketing automation");
        }

        @Test
        void duplicateNamesTheLeadToKeep() {
            String kept = leadIdOf(confirmedDecisionMaker("kept", Map.of("firstName", "Dana", "lastName", "Kowalski",
                    "company", "Dupe Industries")));
            String leadId = mql("dupe", Map.of("jobTitle", "Marketing Analyst", "firstName", "Dana",
                    "lastName", "Kowalski", "company", "Dupe Industries"), 3);
            JsonNode q = atDesk(leadId);
            assertThat(q.path("flags").findValuesAsText("code")).contains("POSSIBLE_DUPLICATE");
            assertThat(q.path("flags").toString()).contains(kept);
            String id = q.path("id").asText();
            JsonNode detail = read(get("/api/qualifications/" + id, "demo"));
            assertThat(detail.path("possibleDuplicates").findValuesAsText("id")).containsExactly(kept);

            ResponseEntity<String> missing = decide(id, "demo", Map.of("disposition", "DISQUALIFIED",
                    "reason", "DUPLICATE"));
            assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(missing.getBody()).contains("duplicateOf");
            ResponseEntity<String> itself = decide(id, "demo", Map.of("disposition", "DISQUALIFIED",
                    "reason", "DUPLICATE", "duplicateOf", leadId));
            assertThat(itself.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);

            String gone = leadIdOf(confirmedDecisionMaker("gone"));
            leadsInStore.disqualify(gone, Instant.now());
            ResponseEntity<String> toADisqualified = decide(id, "demo", Map.of("disposition", "DISQUALIFIED",
                    "reason", "DUPLICATE", "duplicateOf", gone));
            assertThat(toADisqualified.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(toADisqualified.getBody()).contains("is disqualified");

            assertThat(decide(id, "demo", Map.of("disposition", "DISQUALIFIED", "reason", "DUPLICATE",
                    "duplicateOf", kept)).getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(qualifications.get(id).duplicateOf()).isEqualTo(kept);
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("DISQUALIFIED");
            // merged: the duplicate's engagement is the kept lead's now, which is a grade A MQL with it, straight on
            assertThat(read(get("/api/leads/" + leadId + "/score", "demo")).path("engagement").asDouble()).isZero();
            assertThat(read(get("/api/leads/" + kept + "/score", "demo")).path("engagement").asDouble())
                    .isGreaterThanOrEqualTo(30);
            assertThat(lead(kept).path("stage").asText()).isEqualTo("MQL");
            assertThat(handoffOf(kept).path("leadId").asText()).isEqualTo(kept);
        }

        @Test
        void aPartnerRequestGoesToThePartnerTeam() {
            // a Tuesday morning in Paris (past: no other test's timer falls due): the partner team's rep is at work
            ClockUtil.setCurrentTime(Date.from(Instant.parse("2026-12-01T09:00:00Z")));
            Group partners = identity.newGroup("partners");
            partners.setName("Partners");
            partners.setType(SalesDirectory.TEAM_GROUP_TYPE);
            identity.saveGroup(partners);
            groupsMade.add("partners");
            var pia = identity.newUser("pia");
            pia.setFirstName("Pia");
            pia.setLastName("Partner");
            pia.setEmail("pia@leadflow.local");
            pia.setPassword("demo");
            identity.saveUser(pia);
            usersMade.add("pia");
            identity.createMembership("pia", SalesDirectory.REP_ROLE);
            identity.createMembership("pia", "partners");

            String leadId = mql("partner", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            assertThat(decide(id, "demo", Map.of("disposition", "DISQUALIFIED", "reason", "PARTNER",
                    "note", "An agency that wants to resell us")).getStatusCode()).isEqualTo(HttpStatus.OK);
            JsonNode handoff = handoffOf(leadId);
            assertThat(handoff.path("team").asText()).isEqualTo("partners");
            assertThat(handoff.path("owner").asText()).isEqualTo("pia");
            assertThat(qualifications.get(id).routedTeam()).isEqualTo("partners");
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("MQL");
        }
    }

    @Nested
    class Checks {

        @Test
        void refusesABadDecisionNamingEachField() {
            String leadId = mql("badinput", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            ResponseEntity<String> bad = decide(id, "demo", Map.of("disposition", "MAYBE"));
            assertThat(bad.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(bad.getHeaders().getContentType().toString()).contains("problem+json");
            assertThat(bad.getBody()).contains("disposition");

            ResponseEntity<String> several = decide(id, "demo", Map.of("disposition", "NURTURE",
                    "reason", "COMPETITOR", "bant", Map.of("budget", "lots", "timeline", "someday")));
            assertThat(several.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(several.getBody()).contains("reason").contains("bant.budget").contains("bant.timeline");

            ResponseEntity<String> reasonForProspect = decide(id, "demo", Map.of("disposition", "PROSPECT",
                    "reason", "TIMING"));
            assertThat(reasonForProspect.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(get("/api/qualifications?status=later", "demo").getStatusCode())
                    .isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(decide("no-such-qualification", "demo", Map.of("disposition", "PROSPECT")).getStatusCode())
                    .isEqualTo(HttpStatus.NOT_FOUND);
            // nothing was recorded by the refusals: the lead still waits at the desk
            assertThat(atDesk(leadId).path("status").asText()).isEqualTo("open");
        }

        @Test
        void onlyQualifiersDecideAndASalesRepSeesNoDesk() {
            String leadId = mql("roles", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            assertThat(get("/api/qualifications?status=open", "alice").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(decide(id, "alice", Map.of("disposition", "PROSPECT")).getStatusCode())
                    .isEqualTo(HttpStatus.FORBIDDEN);
            String taskId = read(get("/api/qualifications/" + id, "demo")).path("taskId").asText();
            identity.setAuthentication("alice", List.of("SALES", "enterprise"));
            try {
                assertThatThrownBy(() -> tasks.complete(taskId, Map.of("disposition", "PROSPECT")))
                        .isInstanceOf(AuthorizationException.class);
            } finally {
                identity.clearAuthentication();
            }
            // a sales manager may work on every task by the engine's grants, but not decide for the desk
            identity.setAuthentication("demo-manager", List.of("SALES_MANAGER"));
            try {
                assertThatThrownBy(() -> tasks.complete(taskId, Map.of("disposition", "PROSPECT")))
                        .isInstanceOf(AuthorizationException.class).hasMessageContaining("QUALIFIER");
            } finally {
                identity.clearAuthentication();
            }
            assertThat(qualifications.get(id).status()).isEqualTo(Qualification.OPEN);
        }

        @Test
        void tasklistsFormRecordsTheDecisionOfTheSignedInQualifier() {
            String leadId = mql("tasklist", GRADE_B, 3);
            String id = atDesk(leadId).path("id").asText();
            String taskId = read(get("/api/qualifications/" + id, "demo")).path("taskId").asText();
            ResponseEntity<String> incomplete = postJson("/engine-rest/task/" + taskId + "/submit-form", "demo",
                    Map.of("variables", Map.of("disposition", Map.of("value", "NURTURE"))));
            assertThat(incomplete.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(incomplete.getBody()).contains("reason").contains("is required for NURTURE");
            assertThat(qualifications.get(id).status()).isEqualTo(Qualification.OPEN);
            Map<String, Object> form = new HashMap<>();
            form.put("disposition", Map.of("value", "NURTURE"));
            form.put("reason", Map.of("value", "NO_BUDGET"));
            form.put("budget", Map.of("value", "NONE"));
            ResponseEntity<String> submitted = postJson("/engine-rest/task/" + taskId + "/submit-form", "demo",
                    Map.of("variables", form));
            assertThat(submitted.getStatusCode().is2xxSuccessful()).as(submitted.getBody()).isTrue();
            Qualification q = qualifications.get(id);
            assertThat(q.status()).isEqualTo(Qualification.DONE);
            assertThat(q.decidedBy()).isEqualTo("demo");
            assertThat(q.disposition()).isEqualTo("NURTURE");
            assertThat(q.bant().budget()).isEqualTo("NONE");
            assertThat(lead(leadId).path("stage").asText()).isEqualTo("RECYCLED");
        }
    }

    @Nested
    class Erasure {

        @Test
        void cancelsTheLeadsOpenQualificationAndForgetsWhatTiesItToThePerson() {
            String leadId = mql("erased", Map.of("jobTitle", "Marketing Analyst", "source", "webinar",
                    "utmCampaign", "erasure-campaign"), 3);
            String id = atDesk(leadId).path("id").asText();
            assertThat(rest.exchange(url("/api/leads/" + leadId), org.springframework.http.HttpMethod.DELETE,
                    new HttpEntity<>(basic("demo")), String.class).getStatusCode().is2xxSuccessful()).isTrue();
            Qualification q = qualifications.get(id);
            assertThat(q.status()).isEqualTo(Qualification.CANCELLED);
            assertThat(q.source()).isNull();
            assertThat(q.campaign()).isNull();
            assertThat(q.accountId()).isNull();
            assertThat(q.flags()).isEmpty();
            assertThat(QualificationController.QualificationView.of(q, Instant.now().plus(Duration.ofDays(30)))
                    .breached()).as("a cancelled qualification is not late for ever").isFalse();
            assertThat(read(get("/api/qualifications?status=open", "demo")).findValuesAsText("id")).doesNotContain(id);
        }
    }

    @Nested
    class Hints {

        @Test
        void flagsACompetitorACareersVisitorAndAFreeMailbox() {
            String leadId = leadIdOf(confirmedDecisionMaker("spy", Map.of("jobTitle", "Marketing Analyst",
                    "email", "spy." + System.nanoTime() + "@labs.rival-soft.example")));
            postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "PAGE_VIEW",
                    "url", "https://www.leadflow.example/careers/sales-engineer"));
            for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
                postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
            }
            JsonNode q = atDesk(leadId);
            assertThat(q.path("flags").findValuesAsText("code")).containsExactly("COMPETITOR", "CAREERS_PAGES");
            assertThat(q.path("flags").toString()).contains("rival-soft.example").contains("/careers/sales-engineer");

            // a company of its own: the suite's usual one (Acme) has other tests' opportunities
            String home = mql("home", Map.of("jobTitle", "Marketing Analyst", "company", "Home " + System.nanoTime(),
                    "email", "home." + System.nanoTime() + "@gmail.com"), 4);
            JsonNode personal = atDesk(home);
            assertThat(personal.path("grade").asText()).isEqualTo("C");
            assertThat(personal.path("flags").findValuesAsText("code")).containsExactly("FREE_MAIL");
        }

        @Test
        void flagsAnOpenOpportunityOnTheAccountAndShowsTheAccountsOtherLeads() {
            String domain = "deal-" + System.nanoTime() + ".io";
            String buyer = leadIdOf(confirmedDecisionMaker("buyer", Map.of("email", "buyer@" + domain,
                    "company", "Deal Corp")));
            handoffOf(engaged(buyer));
            String body = "{\"eventId\": \"" + java.util.UUID.randomUUID() + "\", \"type\": \"OPPORTUNITY_CREATED\", "
                    + "\"leadId\": \"" + buyer + "\", \"opportunityId\": \"OPP-" + domain + "\", \"amount\": \"12000\", "
                    + "\"currency\": \"EUR\", \"occurredAt\": \"" + Instant.now() + "\"}";
            HttpHeaders headers = new HttpHeaders();
            headers.setContentType(MediaType.APPLICATION_JSON);
            headers.set("X-Leadflow-Signature", WebhookSignatures.signatureNow(webhookSecret, body));
            ResponseEntity<String> created = rest.exchange(url("/api/crm/events"), HttpMethod.POST,
                    new HttpEntity<>(body, headers), String.class);
            assertThat(created.getStatusCode().is2xxSuccessful()).as(created.getBody()).isTrue();

            String colleague = mql("colleague", Map.of("jobTitle", "Marketing Analyst", "company", "Deal Corp",
                    "email", "colleague@" + domain), 3);
            JsonNode q = atDesk(colleague);
            assertThat(q.path("flags").findValuesAsText("code")).containsExactly("OPEN_OPPORTUNITY");
            assertThat(q.path("flags").toString()).contains("OPP-" + domain);
            JsonNode detail = read(get("/api/qualifications/" + q.path("id").asText(), "demo"));
            assertThat(detail.path("account").path("domain").asText()).isEqualTo(domain);
            assertThat(detail.path("account").path("otherContacts").findValuesAsText("id")).containsExactly(buyer);
        }

        /** Three events make the lead an MQL; its id. */
        private String engaged(String leadId) {
            for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
                postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
            }
            return leadId;
        }
    }

    @Nested
    class DeskDeadline {

        @Test
        void countsInBusinessHoursAndMarksTheQualificationLateWhenItPasses() {
            // Friday 16:00 in Paris (past: no other test's timer falls due): one working hour left that day, three
            // more on Monday morning
            ClockUtil.setCurrentTime(Date.from(Instant.parse("2026-12-04T15:00:00Z")));
            String leadId = mql("deadline", GRADE_B, 3);
            Qualification q = await().atMost(Duration.ofSeconds(30)).until(() -> qualifications.ofLead(leadId)
                    .stream().filter(x -> Qualification.OPEN.equals(x.status())).findFirst().orElse(null),
                    java.util.Objects::nonNull);
            assertThat(q.createdAt()).isEqualTo(Instant.parse("2026-12-04T15:00:00Z"));
            assertThat(q.dueAt()).isEqualTo(Instant.parse("2026-12-07T11:00:00Z"))
                    .isEqualTo(calendar.add("paris", q.createdAt(), "PT4H"));
            Job timer = management.createJobQuery().processInstanceId(q.processInstanceId()).timers().singleResult();
            assertThat(timer.getDuedate().toInstant()).isEqualTo(q.dueAt());
            assertThat(read(get("/api/qualifications/" + q.id(), "demo")).path("qualification").path("breached")
                    .asBoolean()).isFalse();

            management.executeJob(timer.getId());
            await().atMost(Duration.ofSeconds(30)).until(() -> qualifications.get(q.id()).breachedAt() != null);
            JsonNode late = atDesk(leadId);
            assertThat(late.path("breached").asBoolean()).isTrue();
            // the task stays: a late decision is still a decision
            assertThat(read(get("/api/qualifications/" + q.id(), "demo")).path("taskId").asText()).isNotBlank();
            String metrics = get("/actuator/prometheus", "demo").getBody();
            assertThat(metrics).containsPattern("leadflow_qualifications_late_total [1-9]")
                    .containsPattern("leadflow_qualifications_open(\\{[^}]*\\})? [1-9]");
        }
    }

    @Nested
    class Reports {

        @TempDir
        Path profile;

        /**
         * A known day, long past (no other test writes there): two MQLs straight to sales, four to the desk, decided
         * 30, 60 and 120 working minutes after they arrived, one left waiting; sales accepts the desk's prospect and
         * one of the two others.
         */
        @Test
        void countsWhatTheDeskDidAndHowSalesAnsweredOnTheApiTheDeskPageAndSla() throws Exception {
            Instant monday = Instant.parse("2025-06-02T07:00:00Z"); // 09:00 in Paris
            ClockUtil.setCurrentTime(Date.from(monday));
            String direct1 = mql("rdirect1", Map.of(), 3);
            String direct2 = mql("rdirect2", Map.of(), 3);
            String prospect = mql("rprospect", Map.of("jobTitle", "Marketing Analyst", "source", "webinar",
                    "utmCampaign", "spring-launch"), 3);
            String nurture = mql("rnurture", Map.of("jobTitle", "Marketing Analyst", "source", "webinar",
                    "utmCampaign", "spring-launch"), 3);
            String seeker = mql("rseeker", Map.of("jobTitle", "Marketing Analyst", "source", "jobs-fair",
                    "utmCampaign", "campus-tour"), 3);
            String waiting = mql("rwaiting", Map.of("jobTitle", "Marketing Analyst", "source", "jobs-fair",
                    "utmCampaign", "campus-tour"), 3);
            String prospectId = atDesk(prospect).path("id").asText();
            String nurtureId = atDesk(nurture).path("id").asText();
            String seekerId = atDesk(seeker).path("id").asText();
            atDesk(waiting);
            JsonNode h1 = handoffOf(direct1);
            JsonNode h2 = handoffOf(direct2);

            ClockUtil.setCurrentTime(Date.from(monday.plus(Duration.ofMinutes(30))));
            assertThat(decide(prospectId, "demo", Map.of("disposition", "PROSPECT")).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
            ClockUtil.setCurrentTime(Date.from(monday.plus(Duration.ofMinutes(60))));
            assertThat(decide(nurtureId, "demo", Map.of("disposition", "NURTURE", "reason", "TIMING"))
                    .getStatusCode()).isEqualTo(HttpStatus.OK);
            ClockUtil.setCurrentTime(Date.from(monday.plus(Duration.ofMinutes(120))));
            assertThat(decide(seekerId, "demo", Map.of("disposition", "DISQUALIFIED", "reason", "JOB_SEEKER"))
                    .getStatusCode()).isEqualTo(HttpStatus.OK);
            JsonNode h3 = handoffOf(prospect);
            await().atMost(Duration.ofSeconds(30)).until(() -> postJson("/api/handoffs/" + h3.path("id").asText()
                    + "/accept", "demo", Map.of()).getStatusCode() == HttpStatus.OK);
            await().atMost(Duration.ofSeconds(30)).until(() -> postJson("/api/handoffs/" + h1.path("id").asText()
                    + "/accept", "demo", Map.of()).getStatusCode() == HttpStatus.OK);
            await().atMost(Duration.ofSeconds(30)).until(() -> postJson("/api/handoffs/" + h2.path("id").asText()
                    + "/reject", "demo", Map.of("reason", "NOT_A_FIT")).getStatusCode() == HttpStatus.OK);

            JsonNode r = read(get("/api/qualifications/report?from=2025-06-02&to=2025-06-02", "demo"));
            assertThat(r.path("routed").asInt()).isEqualTo(6);
            assertThat(r.path("straightToSales").asInt()).isEqualTo(2);
            assertThat(r.path("atDesk").asInt()).isEqualTo(4);
            assertThat(r.path("decided").asInt()).isEqualTo(3);
            assertThat(r.path("open").asInt()).isEqualTo(1);
            assertThat(r.path("medianBusinessMinutesToDecide").asDouble()).isEqualTo(60.0);
            assertThat(r.path("dispositions").toString())
                    .isEqualTo("{\"PROSPECT\":1,\"NURTURE\":1,\"DISQUALIFIED\":1}");
            JsonNode campus = group(r.path("byCampaign"), "campus-tour");
            assertThat(campus.path("atDesk").asInt()).isEqualTo(2);
            assertThat(campus.path("decided").asInt()).isEqualTo(1);
            assertThat(campus.path("disqualified").asInt()).isEqualTo(1);
            assertThat(campus.path("reasons").toString()).isEqualTo("{\"JOB_SEEKER\":1}");
            JsonNode spring = group(r.path("byCampaign"), "spring-launch");
            assertThat(spring.path("prospect").asInt()).isEqualTo(1);
            assertThat(spring.path("nurture").asInt()).isEqualTo(1);
            assertThat(group(r.path("bySource"), "webinar").path("decided").asInt()).isEqualTo(2);
            assertThat(r.path("deskApproved").path("handedOver").asInt()).isEqualTo(1);
            assertThat(r.path("deskApproved").path("accepted").asInt()).isEqualTo(1);
            assertThat(r.path("deskApproved").path("acceptedPercent").asDouble()).isEqualTo(100.0);
            assertThat(r.path("direct").path("handedOver").asInt()).isEqualTo(2);
            assertThat(r.path("direct").path("accepted").asInt()).isEqualTo(1);
            assertThat(r.path("direct").path("rejected").asInt()).isEqualTo(1);
            assertThat(r.path("direct").path("acceptedPercent").asDouble()).isEqualTo(50.0);
            assertThat(get("/api/qualifications/report?from=2025-06-03&to=2025-06-01", "demo").getStatusCode())
                    .isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(get("/api/qualifications/report", "alice").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);

            // the pages, in a browser, with the clock still on that day: /sla's last 30 days include it
            try (Chromium browser = new Chromium(Chromium.required(), profile,
                    "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
                browser.collectScriptErrors();
                browser.signIn(url("/login"), "demo", "demo");
                browser.open(url("/sla"));
                browser.await("document.getElementById('desk-title') !== null", v -> v.asBoolean(),
                        Duration.ofSeconds(20));
                assertThat(browser.eval("document.querySelector('.desk-report .at-desk').textContent").asText())
                        .isEqualTo(read(get("/api/qualifications/report", "demo")).path("atDesk").asText());
                browser.open(url("/analytics?from=2025-06-02&to=2025-06-02"));
                browser.await("document.querySelector('#desk-section .desk-report') !== null", v -> v.asBoolean(),
                        Duration.ofSeconds(20));
                assertThat(browser.eval("document.querySelector('#desk-section .routed').textContent").asText())
                        .isEqualTo("6");
                assertThat(browser.eval("document.querySelector('#desk-section .desk-approved .share').textContent")
                        .asText()).isEqualTo("100.0 %");
                assertThat(browser.eval("document.querySelector('#desk-section .by-campaign tr[data-key=\"campus-tour\"]"
                        + " .reasons').textContent").asText()).isEqualTo("JOB_SEEKER 1");
                assertThat(browser.scriptErrors()).isEmpty();
            }
        }

        /** The desk page lists what waits, with its hints, and decides through the API. */
        @Test
        void theDeskPageShowsTheWaitingLeadAndDecidesIt() throws Exception {
            // an account of their own: the suite's usual domain has other tests' open opportunities (another hint)
            String domain = "dupes-" + System.nanoTime() + ".io";
            String kept = leadIdOf(confirmedDecisionMaker("pagekept", Map.of("firstName", "Ola", "lastName", "Berg",
                    "company", "Page Dupes", "email", "ola@" + domain)));
            String leadId = mql("pagedupe", Map.of("jobTitle", "Marketing Analyst", "firstName", "Ola",
                    "lastName", "Berg", "company", "Page Dupes", "email", "ola.berg@" + domain), 3);
            String id = atDesk(leadId).path("id").asText();
            try (Chromium browser = new Chromium(Chromium.required(), profile,
                    "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
                browser.collectScriptErrors();
                browser.signIn(url("/login"), "demo", "demo");
                browser.open(url("/desk"));
                String card = "document.querySelector('section.qualification[data-id=\"" + id + "\"]')";
                browser.await(card + " !== null && " + card + ".querySelector('form').dataset.ready === 'true'",
                        v -> v.asBoolean(), Duration.ofSeconds(20));
                assertThat(browser.eval(card + ".querySelector('.flags li').dataset.code").asText())
                        .isEqualTo("POSSIBLE_DUPLICATE");
                assertThat(browser.eval(card + ".querySelector('.duplicates a').getAttribute('href')").asText())
                        .isEqualTo("/leads/" + kept);
                assertThat(browser.eval(card + ".querySelector('label.reason').hidden").asBoolean()).isTrue();
                browser.eval("(() => { const f = " + card + ".querySelector('form');"
                        + " f.elements.disposition.value = 'DISQUALIFIED';"
                        + " f.elements.disposition.dispatchEvent(new Event('change'));"
                        + " f.elements.reason.value = 'DUPLICATE';"
                        + " f.elements.reason.dispatchEvent(new Event('change'));"
                        + " f.elements.note.value = 'Same person, second address';"
                        + " f.querySelector('button').click(); return true; })()");
                browser.await(card + ".querySelector('.result').textContent", v -> v.asText().startsWith("Decided"),
                        Duration.ofSeconds(20));
                assertThat(browser.eval(card + ".querySelector('label.duplicateOf').hidden").asBoolean()).isFalse();
                assertThat(browser.scriptErrors()).isEmpty();
            }
            Qualification q = qualifications.get(id);
            assertThat(q.disposition()).isEqualTo("DISQUALIFIED");
            assertThat(q.reason()).isEqualTo("DUPLICATE");
            assertThat(q.duplicateOf()).isEqualTo(kept);
            assertThat(q.note()).isEqualTo("Same person, second address");
            assertThat(q.decidedBy()).isEqualTo("demo");
        }

        private JsonNode group(JsonNode groups, String key) {
            for (JsonNode g : groups) {
                if (g.path("key").asText().equals(key)) {
                    return g;
                }
            }
            throw new AssertionError("no group " + key + " in " + groups);
        }
    }
}
