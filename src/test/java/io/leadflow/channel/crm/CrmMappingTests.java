package io.leadflow.channel.crm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.leadflow.lead.Lead;

/** The field mapping an integrator writes in {@code leadflow.crm.mapping.*}: what it sends, and what it refuses. */
class CrmMappingTests {

    private static final Lead LEAD = new Lead("L-1", "Jane.Doe@Acme.io", "Jane", null, "Acme", "Chief Executive Officer",
            "software", 1200, "fr", null, "webinar", null, null, null, "en", null, Lead.Consent.CONFIRMED,
            Lead.Stage.MQL, 75, 12.5, "A", "alice", "enterprise", null, null, null, null, null, null,
            Instant.parse("2026-11-23T10:15:00Z"), Instant.parse("2026-11-23T10:15:00Z"));

    @Test
    void appliesFormatsInOrderNestsDottedFieldsAndAddsConstants() {
        CrmMapping mapping = CrmMapping.of(Map.of("email", "email"), Map.of(
                "email", "contact.email | lower",
                "first-name", "contact.first",
                "LASTNAME", "contact.last | default:Unknown",
                "jobTitle", "title | upper | truncate:5",
                "createdAt", "created | date",
                "fitScore", "score | text"), List.of("owner.team = Inbound", "status=New"));

        assertThat(mapping.apply(LEAD)).isEqualTo(Map.of(
                "contact", Map.of("email", "jane.doe@acme.io", "first", "Jane", "last", "Unknown"),
                "title", "CHIEF", "created", "2026-11-23", "score", "75",
                "owner", Map.of("team", "Inbound"), "status", "New"));
    }

    @Test
    void leavesOutAFieldMappedToNothingAndEmptyValues() {
        CrmMapping mapping = CrmMapping.of(Map.of("email", "Email", "phone", "Phone", "company", "Company"),
                Map.of("company", ""), List.of());

        assertThat(mapping.apply(LEAD)).isEqualTo(Map.of("Email", "Jane.Doe@Acme.io"));
    }

    @Test
    void refusesAnUnknownFieldNamingTheOnesThatExist() {
        assertThatThrownBy(() -> CrmMapping.of(Map.of(), Map.of("surname", "LastName"), List.of()))
                .hasMessageContaining("leadflow.crm.mapping.surname").hasMessageContaining("lastName");
    }

    @Test
    void refusesAnUnknownFormatAndAConstantWithoutValue() {
        assertThatThrownBy(() -> CrmMapping.of(Map.of(), Map.of("email", "Email | titlecase"), List.of()))
                .hasMessageContaining("unknown format 'titlecase'");
        assertThatThrownBy(() -> CrmMapping.of(Map.of(), Map.of(), List.of("LeadSource")))
                .hasMessageContaining("<CRM field>=<value>");
    }
}
