package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An email template is a marketer's file: it shows the values it is handed and can reach nothing else. */
class MailThymeleafTests {

    private final MailThymeleaf thymeleaf = new MailThymeleaf();

    private Map<String, Object> values() {
        return TemplateValues.values(TemplateValues.sampleLead("en"), Map.of("unsubscribeUrl", "https://x/u"),
                "https://x", Map.of());
    }

    @Test
    void showsTheLeadsFieldsItsLinksAndConditions() {
        String text = thymeleaf.text("Subject: Hi [(${lead.firstName})]\n[# th:if=\"${lead.company}\"]at "
                + "[(${lead.company})][/] [(${lead.companySize} > 100 ? 'big' : 'small')] [(${links.unsubscribeUrl})]",
                values());

        assertThat(text).isEqualTo("Subject: Hi Camille\nat Example Industries big https://x/u");
    }

    @ParameterizedTest
    @ValueSource(strings = {"${T(java.lang.Runtime).getRuntime().exec('touch /tmp/pwned')}",
            "${lead.getClass().getClassLoader()}", "${lead.firstName.toUpperCase()}",
            "${new java.io.File('/etc/passwd').exists()}", "${#strings.toUpperCase(lead.firstName)}",
            "${@templateLibrary}", "${lead.fristName}", "${#ctx.getVariable('lead')}"})
    void refusesAnExpressionThatCallsReachesOrNamesAnythingElse(String expression) {
        assertThatThrownBy(() -> thymeleaf.text("Subject: x\n[(" + expression + ")]", values()))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> thymeleaf.html("<p th:text=\"" + expression.replace("'", "&apos;") + "\"></p>",
                values())).isInstanceOf(RuntimeException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<p th:text=\"${lead.firstName\">x</p>", "<p th:text=\"${lead.firstName}\">x</p",
            "<a th:href=\"${links.unsubscribeUrl} + \">x</a>", "<p th:if=\"${lead.company ==}\">x</p>"})
    void refusesBrokenMarkup(String html) {
        assertThatThrownBy(() -> thymeleaf.html(html, values())).isInstanceOf(RuntimeException.class);
    }

    @Test
    void explainsAnUnknownFieldWithTheLineAndTheFieldsATemplateMayUse() {
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> thymeleaf.html("<p>Hello</p>\n<p th:text=\"${lead.fristName}\"></p>", values()));

        assertThat(TemplateLibrary.explain(e, "nurture-value")).startsWith("line 2: uses 'fristName'")
                .contains("lead.firstName").contains("links.unsubscribeUrl").doesNotContain("params.");
    }
}
