package io.leadflow.account;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code leadflow.accounts.*}: how leads are grouped into accounts (companies) by their email domain.
 *
 * @param freeMailDomains addresses at these domains (and their subdomains) belong to people, not companies: such a
 *                        lead joins an account only when its company field names an existing one. Replaces the
 *                        built-in list when set; {@code extra-free-mail-domains} adds to it instead.
 * @param extraFreeMailDomains domains added to the free-mail list (a local provider, a university)
 * @param backfillChunk   leads matched per transaction when a node matches the leads that have no account yet
 * @param engagedAt       engagement points (decayed, as the lead's score shows them) from which a contact counts as
 *                        engaged for the {@code account-score} table
 * @param mqaHandoff      whether an account that becomes a marketing qualified account hands its best contact to
 *                        sales (as an MQL); off, the table still scores accounts
 * @param rescoreEvery    how often a node scores again the accounts whose contacts engaged since
 * @param ownerOnAccept   whether the rep who accepts the handoff of a contact of an account without owner becomes its
 *                        owner, so that the account's next MQLs go to them (the {@code sticky} routing rule)
 */
@ConfigurationProperties("leadflow.accounts")
record AccountSettings(List<String> freeMailDomains, List<String> extraFreeMailDomains, Integer backfillChunk,
        Double engagedAt, Boolean mqaHandoff, java.time.Duration rescoreEvery, Boolean ownerOnAccept) {

    /** The usual consumer mailboxes, in Europe and beyond. */
    static final List<String> BUILT_IN_FREE_MAIL = List.of("gmail.com", "googlemail.com", "outlook.com",
            "hotmail.com", "hotmail.fr", "live.com", "live.fr", "msn.com", "yahoo.com", "yahoo.fr", "ymail.com",
            "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.de", "gmx.fr", "gmx.net", "web.de",
            "t-online.de", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr",
            "numericable.fr", "libero.it", "virgilio.it", "tiscali.it", "proton.me", "protonmail.com", "tutanota.com",
            "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "seznam.cz",
            "wp.pl", "o2.pl", "btinternet.com", "sky.com", "virginmedia.com", "telenet.be", "skynet.be", "bluewin.ch",
            "hey.com", "fastmail.com");

    AccountSettings {
        freeMailDomains = normalise(freeMailDomains == null || freeMailDomains.isEmpty() ? BUILT_IN_FREE_MAIL
                : freeMailDomains, "free-mail-domains");
        extraFreeMailDomains = normalise(extraFreeMailDomains == null ? List.of() : extraFreeMailDomains,
                "extra-free-mail-domains");
        backfillChunk = backfillChunk == null ? 500 : backfillChunk;
        if (backfillChunk < 1 || backfillChunk > 10_000) {
            throw new IllegalArgumentException("leadflow.accounts.backfill-chunk: between 1 and 10000");
        }
        engagedAt = engagedAt == null ? 10.0 : engagedAt;
        if (engagedAt <= 0) {
            throw new IllegalArgumentException("leadflow.accounts.engaged-at: a number of points above 0, such as 10");
        }
        mqaHandoff = mqaHandoff == null || mqaHandoff;
        ownerOnAccept = ownerOnAccept == null || ownerOnAccept;

        rescoreEvery = rescoreEvery == null ? java.time.Duration.ofSeconds(5) : rescoreEvery;
        if (rescoreEvery.isNegative() || rescoreEvery.isZero()) {
            throw new IllegalArgumentException("leadflow.accounts.rescore-every: a duration such as PT5S");
        }
    }

    /** Every free-mail domain, lower case. */
    Set<String> freeMail() {
        return java.util.stream.Stream.concat(freeMailDomains.stream(), extraFreeMailDomains.stream())
                .collect(Collectors.toUnmodifiableSet());
    }

    private static List<String> normalise(List<String> domains, String key) {
        return domains.stream().map(d -> {
            String domain = AccountDomains.normalise(d);
            if (domain == null) {
                throw new IllegalArgumentException("leadflow.accounts." + key + ": '" + d
                        + "' is not a domain (give one such as gmail.com)");
            }
            return domain;
        }).map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }
}
