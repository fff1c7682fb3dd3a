package io.leadflow.qualification;

import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code leadflow.qualification.*}: the qualification desk between marketing and sales.
 *
 * @param calendar          the business calendar the desk's deadlines count in (the qualification-route table's
 *                          {@code decideWithin})
 * @param competitorDomains email domains of competitors: a lead at one of them (or a subdomain) is flagged
 * @param careersPaths      URL fragments of the site's careers pages: a lead who visited one is flagged (a job seeker?)
 * @param partnerTeam       the sales team (a Camunda group of type SALES_TEAM) a partner request goes to; while no
 *                          such team exists, a partner request is disqualified like the other reasons
 */
@ConfigurationProperties("leadflow.qualification")
record QualificationSettings(String calendar, List<String> competitorDomains, List<String> careersPaths,
        String partnerTeam) {

    QualificationSettings {
        calendar = calendar == null || calendar.isBlank() ? "paris" : calendar.trim();
        competitorDomains = competitorDomains == null ? List.of() : competitorDomains.stream()
                .filter(d -> d != null && !d.isBlank()).map(d -> d.trim().toLowerCase(Locale.ROOT)).toList();
        careersPaths = careersPaths == null ? List.of("/careers", "/jobs") : careersPaths.stream()
                .filter(p -> p != null && !p.isBlank()).map(String::trim).toList();
        partnerTeam = partnerTeam == null || partnerTeam.isBlank() ? null : partnerTeam.trim();
    }
}
