package io.leadflow.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

class AccountDomainsTests {

    @Test
    void looksAnAddressUpFromItsOwnDomainToTheCompanysRegisteredOne() {
        assertThat(AccountDomains.ofEmail("Jane.Roe@EU.Sales.Acme.com.")).isEqualTo("eu.sales.acme.com");
        assertThat(AccountDomains.lookups("eu.sales.acme.com"))
                .containsExactly("eu.sales.acme.com", "sales.acme.com", "acme.com");
        assertThat(AccountDomains.registered("mail.acme.co.uk")).isEqualTo("acme.co.uk");
        assertThat(AccountDomains.registered("acme.com.au")).isEqualTo("acme.com.au");
        assertThat(AccountDomains.registered("acme.fr")).isEqualTo("acme.fr");
        assertThat(AccountDomains.ofEmail("no-at-sign")).isNull();
        assertThat(AccountDomains.normalise("not a domain")).isNull();
    }

    @Test
    void knowsAFreeMailAddressAlsoAtAProvidersSubdomain() {
        Set<String> freeMail = new AccountSettings(null, java.util.List.of("Univ-Example.EDU"), null, null, null, null, null).freeMail();

        assertThat(AccountDomains.isFreeMail("gmail.com", freeMail)).isTrue();
        assertThat(AccountDomains.isFreeMail("orange.fr", freeMail)).isTrue();
        assertThat(AccountDomains.isFreeMail("students.univ-example.edu", freeMail)).as("an added one").isTrue();
        assertThat(AccountDomains.isFreeMail("acme.com", freeMail)).isFalse();
        assertThat(AccountDomains.isFreeMail("gmail.acme.com", freeMail)).as("a company's own subdomain").isFalse();
    }

    @Test
    void reducesACompanysNameToWhatItsSpellingsShare() {
        assertThat(AccountDomains.nameKey("ACME, Inc.")).isEqualTo("acme");
        assertThat(AccountDomains.nameKey("  Acme  ")).isEqualTo("acme");
        assertThat(AccountDomains.nameKey("Société Générale SA")).isEqualTo("societe generale");
        assertThat(AccountDomains.nameKey("Globex GmbH & Co. KG")).isEqualTo("globex");
        assertThat(AccountDomains.nameKey("Inc.")).isNull();
        assertThat(AccountDomains.nameKey(null)).isNull();
    }
}
