package io.leadflow.channel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.leadflow.channel.email.MailParts;
import io.leadflow.channel.email.TrackedLinks;
import io.leadflow.platform.Hashing;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/**
 * Our domain lends its name to no one: a URL typed into a form field is shown as text, never turned into a signed
 * redirect, and a link of an email stops redirecting to other people's sites once it is old.
 */
class TrackedLinkAbuseTests extends ServiceTestBase {

    private static final String PHISHING = "https://login-acme.example/reset";

    @Autowired
    TrackedLinks trackedLinks;
    @Autowired
    Hashing hashing;
    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void realTime() {
        ClockUtil.reset();
    }

    private HttpResponse<String> click(String link) {
        return new SitePage(port, null).get(link.substring(link.indexOf("/r/")));
    }

    private String leadId(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    private int clicks(String leadId) {
        return jdbc.sql("select count(*) from engagement_events where lead_id = ? and type = 'EMAIL_CLICKED'")
                .param(leadId).query(Integer.class).single();
    }

    @Test
    void aUrlTypedIntoAFormFieldStaysTextAndIsNeverSigned() throws Exception {
        String email = confirmedDecisionMaker("typed-url", Map.of("firstName", "Ann " + PHISHING));

        MimeMessage welcome = awaitMail(email, "Welcome aboard");

        String text = MailParts.firstOfType(welcome, "text/plain");
        assertThat(text).contains(PHISHING);
        for (String link : links(welcome)) {
            if (link.contains("/r/")) {
                String token = link.substring(link.indexOf("/r/") + 3);
                assertThat(trackedLinks.verify(token)).hasValueSatisfying(
                        c -> assertThat(c.url()).as("a signed link of the email").doesNotContain("login-acme"));
            }
        }
        assertThat(MailParts.firstOfType(welcome, "text/html")).doesNotContain("href=\"" + PHISHING);
    }

    @Test
    void anOldLinkStillLeadsToOurSiteButNoLongerElsewhereNorCountsAsAClick() {
        String email = confirmedDecisionMaker("old-link");
        String leadId = leadId(email);
        String toOurSite = trackedLinks.link(leadId, "nurture-value", ExternalServers.ACME_SITE + "/pricing");
        String elsewhere = trackedLinks.link(leadId, "nurture-value", "https://news.example/article");
        int before = clicks(leadId);

        ClockUtil.setCurrentTime(Date.from(Instant.now().plus(Duration.ofDays(181))));
        HttpResponse<String> site = click(toOurSite);
        HttpResponse<String> other = click(elsewhere);

        assertThat(site.statusCode()).isEqualTo(302);
        assertThat(site.headers().firstValue("Location")).hasValue(ExternalServers.ACME_SITE + "/pricing");
        assertThat(other.statusCode()).isEqualTo(410);
        assertThat(other.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(clicks(leadId)).isEqualTo(before);

        ClockUtil.reset();
        assertThat(click(elsewhere).statusCode()).as("the same link while valid").isEqualTo(302);
    }

    @Test
    void aLinkOfTheFirstFormatWithoutAnEndRedirectsOnlyToOurSites() {
        String leadId = leadId(confirmedDecisionMaker("first-format"));

        for (var target : Map.of(ExternalServers.ACME_SITE + "/docs", 302, PHISHING, 410).entrySet()) {
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (leadId + "\nnurture-value\n" + target.getKey()).getBytes(StandardCharsets.UTF_8));
            String legacy = "/r/" + payload + "." + hashing.hmac("tracked-link:" + payload).substring(0, 32);

            assertThat(click(legacy).statusCode()).as(target.getKey()).isEqualTo(target.getValue());
        }
        assertThat(List.of(trackedLinks.link(leadId, "p", PHISHING))).allSatisfy(
                l -> assertThat(trackedLinks.verify(l.substring(l.indexOf("/r/") + 3))).hasValueSatisfying(
                        c -> assertThat(c.expiresAt()).isAfter(Instant.now().plus(Duration.ofDays(179)))));
    }
}
