package io.leadflow.channel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.TrackedLinks;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/** The tracking snippet and {@code /t/collect}: consent, privacy signals, bots, limits, linking, retention. */
class TrackingTests extends ServiceTestBase {

    static final String SITE = ExternalServers.ACME_SITE;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PageViews pageViews;

    @Autowired
    TrackedLinks trackedLinks;

    private SitePage acme() {
        return new SitePage(port, SITE);
    }

    private static String anonymousId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String view(String anonymousId, String url) {
        return "{\"anonymousId\":\"" + anonymousId + "\",\"url\":\"" + url + "\"}";
    }

    private static String view(String anonymousId, String url, String visitor) {
        return "{\"anonymousId\":\"" + anonymousId + "\",\"url\":\"" + url + "\",\"visitor\":\"" + visitor + "\"}";
    }

    private List<String> anonymousUrls(String anonymousId) {
        return jdbc.sql("select url from web_anonymous_visits where anonymous_id = ? order by occurred_at")
                .param(anonymousId).query(String.class).list();
    }

    private List<Map<String, Object>> events(String leadId) {
        return jdbc.sql("select type, url, points, scored, occurred_at from engagement_events where lead_id = ? "
                + "order by occurred_at").param(leadId).query().listOfRows();
    }

    /** A visitor submits the tour form; the answer names no lead, so its id is looked up as staff would. */
    private String submitTourForm(String email) {
        HttpResponse<String> submitted = acme().post("/forms/product-tour", "application/json",
                "{\"email\":\"" + email + "\",\"firstName\":\"Ann\",\"company\":\"Acme\"}");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    /** The visitor token a click on a tracked link of one of our emails hands to the site (after {@code #lf_v=}). */
    private String visitorFromEmailLink(String leadId) {
        return new SitePage(port, null).visitorFromEmailLink(trackedLinks, leadId, SITE + "/");
    }

    private static String email() {
        return "visitor." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    @Test
    void servesACacheableSnippetThatWaitsForConsentAndKnowsThePrivacySignals() {
        HttpResponse<String> script = new SitePage(port, null).get("/t.js");

        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(script.headers().firstValue("Cache-Control")).hasValueSatisfying(c -> assertThat(c).contains("public", "max-age=3600"));
        assertThat(script.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(script.body()).contains("consent: function", "\"honourDoNotTrack\":true",
                "\"honourGlobalPrivacyControl\":true", "/t/collect").doesNotContain("document.cookie");
        assertThat(script.body().length()).isLessThan(8 * 1024);
    }

    @Nested
    class Anonymous {

        @Test
        void keepsPageViewsOfAnUnknownVisitorUnderItsFirstPartyIdOnly() {
            String id = anonymousId();

            HttpResponse<String> collected = acme().collect(view(id, SITE + "/pricing/enterprise"));

            assertThat(collected.statusCode()).isEqualTo(204);
            assertThat(collected.headers().firstValue("Access-Control-Allow-Origin")).hasValue(SITE);
            assertThat(jdbc.sql("select type, url from web_anonymous_visits where anonymous_id = ?").param(id)
                    .query((rs, n) -> rs.getString("type") + " " + rs.getString("url")).list())
                    .containsExactly("PRICING_PAGE_VIEW " + SITE + "/pricing/enterprise");
        }

        @Test
        void callsAViewAPricingViewWhenItsPathHoldsAPricingSegment() {
            String id = anonymousId();

            acme().collect(view(id, SITE + "/en/pricing/teams"));
            acme().collect(view(id, SITE + "/pricing-faq"));

            assertThat(jdbc.sql("select type from web_anonymous_visits where anonymous_id = ? order by url")
                    .param(id).query(String.class).list()).containsExactly("PRICING_PAGE_VIEW", "PAGE_VIEW");
        }

        @Test
        void keepsNoQueryFragmentOrAddressOfThePage() {
            String id = anonymousId();

            acme().collect(view(id, SITE + "/u/jane.doe%40acme.com/profile?email=jane@acme.com&utm_source=x#top"));
            acme().collect(view(id, SITE + "/u/jane@acme.com"));

            assertThat(anonymousUrls(id)).containsExactly(SITE + "/u/_/profile", SITE + "/u/_");
        }

        @Test
        void countsAReloadOfTheSamePageOnceButTheSamePageLaterAgain() {
            String id = anonymousId();
            try {
                ClockUtil.setCurrentTime(Date.from(Instant.now().minus(Duration.ofHours(2))));
                acme().collect(view(id, SITE + "/pricing"));
                acme().collect(view(id, SITE + "/pricing"));
                acme().collect(view(id, SITE + "/docs"));
            } finally {
                ClockUtil.reset();
            }

            acme().collect(view(id, SITE + "/pricing"));

            // the engine's clock stands still while set: the first two views share their instant
            assertThat(anonymousUrls(id)).containsExactlyInAnyOrder(SITE + "/pricing", SITE + "/docs", SITE + "/pricing");
        }

        @Test
        void purgesAnonymousPageViewsOlderThanTheRetention() {
            String old = anonymousId();
            String recent = anonymousId();
            try {
                ClockUtil.setCurrentTime(Date.from(Instant.now().minus(Duration.ofDays(31))));
                acme().collect(view(old, SITE + "/docs"));
                ClockUtil.setCurrentTime(Date.from(Instant.now().minus(Duration.ofDays(29))));
                acme().collect(view(recent, SITE + "/docs"));
            } finally {
                ClockUtil.reset();
            }

            int purged = pageViews.purge();

            assertThat(purged).isGreaterThanOrEqualTo(1);
            assertThat(anonymousUrls(old)).isEmpty();
            assertThat(anonymousUrls(recent)).containsExactly(SITE + "/docs");
        }
    }

    @Nested
    class KnownVisitors {

        @Test
        void linksEarlierAnonymousViewsToTheLeadWhenTheVisitorComesFromAnEmailAndScoresThem() {
            String browser = anonymousId();
            String email = email();
            acme().collect(view(browser, SITE + "/pricing"));
            acme().collect(view(browser, SITE + "/docs/connectors"));
            String leadId = submitTourForm(email);
            postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);

            HttpResponse<String> identified = acme().collect(view(browser, SITE + "/blog/launch",
                    visitorFromEmailLink(leadId)));

            assertThat(identified.statusCode()).isEqualTo(204);
            assertThat(anonymousUrls(browser)).isEmpty();
            assertThat(events(leadId)).filteredOn(e -> !"EMAIL_CLICKED".equals(e.get("TYPE")))
                    .extracting(e -> e.get("TYPE") + " " + e.get("URL") + " " + e.get("POINTS"))
                    .containsExactly("PRICING_PAGE_VIEW " + SITE + "/pricing 10",
                            "PAGE_VIEW " + SITE + "/docs/connectors 5",
                            "PAGE_VIEW " + SITE + "/blog/launch 2");
            JsonNode score = read(get("/api/leads/" + leadId + "/score", "demo"));
            assertThat(score.get("engagement").asDouble()).isGreaterThan(16.0);
        }

        @Test
        void linksAtMostTheLatestTwoHundredAnonymousViewsAndForgetsTheRest() {
            String browser = anonymousId();
            Instant start = Instant.now().minus(Duration.ofDays(2));
            for (int i = 0; i < AnonymousVisits.MAX_TAKEN + 5; i++) {
                jdbc.sql("insert into web_anonymous_visits (id, anonymous_id, type, url, occurred_at) values (?, ?, ?, ?, ?)")
                        .params(UUID.randomUUID().toString(), browser, "PAGE_VIEW", SITE + "/blog/" + i,
                                java.sql.Timestamp.from(start.plusSeconds(i)))
                        .update();
            }
            String leadId = submitTourForm(email());

            acme().collect(view(browser, SITE + "/pricing", visitorFromEmailLink(leadId)));

            List<Map<String, Object>> events = events(leadId).stream()
                    .filter(e -> !"EMAIL_CLICKED".equals(e.get("TYPE"))).toList();
            assertThat(events).hasSize(AnonymousVisits.MAX_TAKEN + 1);
            assertThat(events.get(0).get("URL")).isEqualTo(SITE + "/blog/5");
            assertThat(anonymousUrls(browser)).isEmpty();
        }

        @Test
        void identifiesAVisitorWhoClicksATrackedEmailLinkWithoutPuttingTheirIdInTheAddress() throws Exception {
            String leadId = submitTourForm(email());
            String toOurSite = trackedLinks.link(leadId, "nurture-value", SITE + "/pricing");
            String elsewhere = trackedLinks.link(leadId, "nurture-value", "https://news.example/article");

            HttpResponse<String> click = new SitePage(port, null).get(toOurSite.substring(toOurSite.indexOf("/r/")));
            HttpResponse<String> other = new SitePage(port, null).get(elsewhere.substring(elsewhere.indexOf("/r/")));

            assertThat(click.statusCode()).isEqualTo(302);
            String location = click.headers().firstValue("Location").orElseThrow();
            assertThat(location).startsWith(SITE + "/pricing#lf_v=v1.");
            assertThat(location.substring(0, location.indexOf('#'))).doesNotContain(leadId);
            assertThat(other.headers().firstValue("Location")).hasValue("https://news.example/article");

            String visitor = location.substring(location.indexOf("lf_v=") + 5);
            assertThat(acme().collect(view(anonymousId(), SITE + "/pricing", visitor)).statusCode()).isEqualTo(204);
            assertThat(events(leadId)).extracting(e -> e.get("TYPE")).contains("EMAIL_CLICKED", "PRICING_PAGE_VIEW");
        }

        @Test
        void recordsNothingMoreForAnErasedPerson() {
            String leadId = submitTourForm(email());
            String visitor = visitorFromEmailLink(leadId);
            rest.exchange(url("/api/leads/" + leadId), org.springframework.http.HttpMethod.DELETE,
                    new org.springframework.http.HttpEntity<>(basic("demo")), String.class);
            String browser = anonymousId();

            HttpResponse<String> collected = acme().collect(view(browser, SITE + "/pricing", visitor));

            assertThat(collected.statusCode()).isEqualTo(204);
            assertThat(anonymousUrls(browser)).isEmpty();
            assertThat(events(leadId)).isEmpty();
        }
    }

    @Nested
    class Ignored {

        @Test
        void recordsNothingForABrowserThatAsksNotToBeTracked() {
            String id = anonymousId();

            assertThat(acme().collect(view(id, SITE + "/a"), "DNT", "1").statusCode()).isEqualTo(204);
            assertThat(acme().collect(view(id, SITE + "/b"), "Sec-GPC", "1").statusCode()).isEqualTo(204);

            assertThat(anonymousUrls(id)).isEmpty();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.leadflow.channel.web.TrackingTests#bots")
        void recordsNothingForBots(String userAgent) {
            String id = anonymousId();

            assertThat(acme().collect(view(id, SITE + "/pricing"), "User-Agent", userAgent).statusCode())
                    .isEqualTo(204);

            assertThat(anonymousUrls(id)).isEmpty();
        }
    }

    static Stream<String> bots() {
        return Stream.of("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
                "curl/8.5.0", "python-requests/2.31");
    }

    @Nested
    class Abuse {

        @Test
        void refusesPageViewsFromOtherSitesAndFromCallersNamingNoSite() {
            String id = anonymousId();

            HttpResponse<String> evil = new SitePage(port, "https://evil.example").collect(view(id, SITE + "/x"));
            HttpResponse<String> noOrigin = new SitePage(port, null).collect(view(id, SITE + "/x"));

            assertThat(evil.statusCode()).isEqualTo(403);
            assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(noOrigin.statusCode()).isEqualTo(403);
            assertThat(anonymousUrls(id)).isEmpty();
        }

        @Test
        void refusesALargeBody() {
            String body = "{\"anonymousId\":\"" + anonymousId() + "\",\"url\":\"" + SITE + "/" + "a".repeat(5000) + "\"}";

            HttpResponse<String> collected = acme().collect(body);

            assertThat(collected.statusCode()).isEqualTo(413);
            assertThat(collected.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        }

        @Test
        void limitsPageViewsPerBrowserWithRetryAfter() {
            String id = anonymousId();
            for (int i = 0; i < 60; i++) {
                assertThat(acme().collect(view(id, SITE + "/p" + i)).statusCode()).isEqualTo(204);
            }

            HttpResponse<String> tooMany = acme().collect(view(id, SITE + "/p60"));

            assertThat(tooMany.statusCode()).isEqualTo(429);
            assertThat(tooMany.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
            assertThat(anonymousUrls(id)).hasSize(60);
        }

        @ParameterizedTest(name = "{1}: {0}")
        @MethodSource("io.leadflow.channel.web.TrackingTests#badPageViews")
        void answersBadInputWith400NamingTheField(String body, String field) {
            HttpResponse<String> collected = acme().collect(body);

            assertThat(collected.statusCode()).as(collected.body()).isEqualTo(400);
            assertThat(collected.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            assertThat(collected.body()).contains("\"field\":\"" + field + "\"");
        }

        @Test
        void refusesOtherMediaTypesWithoutA5xx() {
            HttpResponse<String> collected = acme().post("/t/collect", "application/xml", "<view/>");

            assertThat(collected.statusCode()).isEqualTo(415);
        }
    }

    static Stream<Arguments> badPageViews() {
        String id = anonymousId();
        return Stream.of(
                Arguments.of("", "body"),
                Arguments.of("not json", "body"),
                Arguments.of("[1,2]", "body"),
                Arguments.of("{\"url\":\"" + SITE + "/\"}", "anonymousId"),
                Arguments.of(view("short", SITE + "/"), "anonymousId"),
                Arguments.of(view("../../etc/passwd/aaaaaaaaaa", SITE + "/"), "anonymousId"),
                Arguments.of("{\"anonymousId\":12345678901234567890,\"url\":\"" + SITE + "/\"}", "anonymousId"),
                Arguments.of("{\"anonymousId\":\"" + id + "\"}", "url"),
                Arguments.of(view(id, "/pricing"), "url"),
                Arguments.of(view(id, "javascript:alert(1)"), "url"),
                Arguments.of(view(id, "https://elsewhere.example/pricing"), "url"),
                Arguments.of(view(id, "http://exa mple"), "url"),
                Arguments.of("{\"anonymousId\":\"" + id + "\",\"url\":{\"a\":1}}", "url"),
                Arguments.of(view(id, SITE + "/", "v1.bm90LW91cnM.forged"), "visitor"),
                Arguments.of("{\"anonymousId\":\"" + id + "\\u0000\",\"url\":\"" + SITE + "/\"}", "anonymousId"));
    }
}
