package io.leadflow.support;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * One real SMTP server and one real HTTP CRM for the whole test run, started on free ports; test classes point the
 * service at them with {@link #register(DynamicPropertyRegistry)}.
 */
public final class ExternalServers {

    public static final GreenMail SMTP;
    public static final WireMockServer CRM;
    /** A customer's web site on an origin of its own, which embeds our forms and tracking snippet. */
    public static final WireMockServer SITE;
    /** The sites allowed to embed forms and send page views in tests: a fictitious one and {@link #SITE}. */
    public static final String ACME_SITE = "https://www.acme-site.example";

    static {
        SMTP = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        SMTP.start();
        CRM = new WireMockServer(options().dynamicPort());
        CRM.start();
        SITE = new WireMockServer(options().dynamicPort());
        SITE.start();
    }

    /** The origin of {@link #SITE} as a browser names it. */
    public static String siteOrigin() {
        return "http://127.0.0.1:" + SITE.port();
    }

    private ExternalServers() {
    }

    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.port", () -> SMTP.getSmtp().getPort());
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("leadflow.crm.base-url", () -> "http://127.0.0.1:" + CRM.port() + "/crm");
        registry.add("leadflow.crm.auth.token", () -> "test-crm-token");
        registry.add("leadflow.web.allowed-origins", () -> ACME_SITE + "," + siteOrigin());
    }
}
