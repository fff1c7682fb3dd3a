package io.leadflow.workspace;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

import io.leadflow.handoff.Revenue;
import io.leadflow.lead.LeadAccess;
import io.leadflow.platform.NotFoundException;

/**
 * Reads an account for its page: the account's row, its contacts from the leads table and their open handoffs, in
 * four queries whatever the account's size (contacts capped at {@value #CONTACTS}). It never writes.
 */
@Component
class AccountOverviews {

    static final int CONTACTS = 200;

    private final JdbcClient jdbc;
    private final Clock clock;

    AccountOverviews(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    AccountOverview of(String accountId, Authentication viewer) {
        AccountOverview.Account account = jdbc.sql("""
                select id, name, score, mqa, score_reason, scored_at, mqa_at, owner, owner_since, owner_set_by,
                       created_at, merged_into
                  from accounts where id = ?""").param(accountId)
                .query((rs, n) -> {
                    if (rs.getString("merged_into") != null) {
                        throw new NotFoundException("Account " + accountId + " was merged into "
                                + rs.getString("merged_into") + ": /accounts/" + rs.getString("merged_into"));
                    }
                    Integer score = rs.getObject("score") == null ? null : rs.getInt("score");
                    List<String> domains = domains(accountId);
                    return new AccountOverview.Account(rs.getString("id"), rs.getString("name"),
                            domains.isEmpty() ? null : domains.get(0), domains, score, rs.getBoolean("mqa"),
                            rs.getString("score_reason"), instant(rs.getTimestamp("scored_at")),
                            instant(rs.getTimestamp("mqa_at")), rs.getString("owner"),
                            instant(rs.getTimestamp("owner_since")), rs.getString("owner_set_by"),
                            rs.getTimestamp("created_at").toInstant());
                }).optional().orElseThrow(() -> new NotFoundException("No account with id " + accountId));
        int count = jdbc.sql("select count(*) from account_members where account_id = ?").param(accountId)
                .query(Integer.class).single();
        boolean everyLead = LeadAccess.readsEveryLead(viewer);
        String me = viewer.getName();
        List<AccountOverview.Contact> contacts = jdbc.sql("""
                select l.id, l.first_name, l.last_name, l.email, l.job_title, l.stage, l.grade, l.fit_score,
                       l.engagement_score, l.team, l.owner, m.how, l.updated_at
                  from account_members m join leads l on l.id = m.lead_id
                 where m.account_id = ? order by l.updated_at desc, l.id fetch first %d rows only"""
                .formatted(CONTACTS)).param(accountId)
                .query((rs, n) -> {
                    boolean shown = everyLead || me.equals(rs.getString("owner"));
                    String name = String.join(" ", nonNull(rs.getString("first_name")),
                            nonNull(rs.getString("last_name"))).trim();
                    return new AccountOverview.Contact(rs.getString("id"), shown && !name.isEmpty() ? name : null,
                            shown ? rs.getString("email") : null, shown ? rs.getString("job_title") : null,
                            rs.getString("stage"), rs.getString("grade"),
                            rs.getObject("fit_score") == null ? null : rs.getInt("fit_score"),
                            rs.getObject("engagement_score") == null ? null : rs.getDouble("engagement_score"),
                            rs.getString("team"), rs.getString("owner"), rs.getString("how"),
                            instant(rs.getTimestamp("updated_at")));
                }).list();
        Instant now = clock.instant();
        List<AccountOverview.OpenHandoff> open = jdbc.sql("""
                select h.id, h.lead_id, h.team, h.owner, h.status, h.created_at, h.due_at, h.breached_at,
                       l.first_name, l.last_name, l.email, l.owner as lead_owner
                  from handoffs h join account_members m on m.lead_id = h.lead_id join leads l on l.id = h.lead_id
                 where m.account_id = ? and h.status in ('OPEN', 'ACCEPTED', 'CRM_FAILED') order by h.due_at""")
                .param(accountId)
                .query((rs, n) -> {
                    Instant due = rs.getTimestamp("due_at").toInstant();
                    boolean breached = rs.getTimestamp("breached_at") != null
                            || ("OPEN".equals(rs.getString("status")) && due.isBefore(now));
                    boolean shown = everyLead || me.equals(rs.getString("lead_owner"));
                    String name = String.join(" ", nonNull(rs.getString("first_name")),
                            nonNull(rs.getString("last_name"))).trim();
                    return new AccountOverview.OpenHandoff(rs.getString("id"), rs.getString("lead_id"),
                            shown ? (name.isEmpty() ? rs.getString("email") : name) : null, rs.getString("team"), rs.getString("owner"), rs.getString("status"),
                            rs.getTimestamp("created_at").toInstant(), due, breached);
                }).list();
        Integer ownerLoad = account.owner() == null ? null : jdbc.sql("""
                select count(*) from handoffs where owner = ? and status in ('OPEN', 'ACCEPTED', 'CRM_FAILED')""")
                .param(account.owner()).query(Integer.class).single();
        // by the account the opportunity was reported with, and by the account the lead is in now
        List<AccountOverview.Opportunity> opportunities = jdbc.sql("""
                select o.id, o.lead_id, o.status, o.amount, o.currency, o.close_date, o.created_at, o.closed_at
                  from opportunities o
                 where o.account_id = ? or o.lead_id in (select m.lead_id from account_members m where m.account_id = ?)
                 order by o.created_at desc""").params(accountId, accountId)
                .query((rs, n) -> new AccountOverview.Opportunity(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getBigDecimal(4), rs.getString(5), rs.getDate(6) == null ? null : rs.getDate(6).toLocalDate(),
                        rs.getTimestamp(7).toInstant(), instant(rs.getTimestamp(8))))
                .list();
        Revenue revenue = new Revenue();
        opportunities.forEach(o -> revenue.add(o.amount(), o.currency(), o.status()));
        return new AccountOverview(account, ownerLoad, count, contacts, open, opportunities, revenue.pipeline(),
                revenue.won());
    }

    private List<String> domains(String accountId) {
        return jdbc.sql("select domain from account_domains where account_id = ? order by added_at, domain")
                .param(accountId).query(String.class).list();
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
