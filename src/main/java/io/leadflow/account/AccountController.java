package io.leadflow.account;

import java.net.URI;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * {@code /api/accounts}: an account and its leads, found by id or by domain; a lead's place and why; moving a lead and
 * merging two accounts (docs/api.md §13).
 */
@RestController
class AccountController {

    private final Accounts accounts;
    private final AccountScoring scoring;
    private final Leads leads;
    private final AccountBacktests backtests;

    AccountController(Accounts accounts, AccountScoring scoring, Leads leads, AccountBacktests backtests) {
        this.backtests = backtests;
        this.accounts = accounts;
        this.scoring = scoring;
        this.leads = leads;
    }

    /**
     * The {@code account-score} table's backtest: {@code 200} with the result when it ends in time, else {@code 202}
     * with its progress and a {@code Location} to follow.
     */
    @PostMapping("/api/accounts/backtest")
    ResponseEntity<AccountBacktests.Run> backtest(@RequestBody(required = false) AccountBacktests.Request request) {
        AccountBacktests.Run run = backtests.start(request);
        URI location = URI.create("/api/accounts/backtest/" + run.id());
        return run.status() == AccountBacktests.Status.RUNNING ? ResponseEntity.accepted().location(location).body(run)
                : ResponseEntity.ok().location(location).body(run);
    }

    @GetMapping("/api/accounts/backtest/{id}")
    AccountBacktests.Run backtestRun(@PathVariable String id) {
        return backtests.find(id).orElseThrow(() -> new NotFoundException("No account backtest " + id
                + " on this node (the last 20 runs are kept in memory until a restart)"));
    }

    @GetMapping("/api/accounts/{id}")
    Accounts.Account get(@PathVariable String id) {
        return accounts.find(id).orElseThrow(() -> new NotFoundException(accounts.mergedInto(id)
                .map(into -> "Account " + id + " was merged into " + into + ": GET /api/accounts/" + into)
                .orElse("No account with id " + id)));
    }

    /** How the {@code account-score} table scores the account now: its inputs, rule and answer, and the best contact. */
    @GetMapping("/api/accounts/{id}/score")
    AccountScoring.Explanation score(@PathVariable String id) {
        get(id);
        return scoring.explain(id);
    }

    /** The account a lead of that domain would join: a list of one, or empty. */
    @GetMapping("/api/accounts")
    List<Accounts.Account> byDomain(@RequestParam(required = false) String domain) {
        if (domain == null || domain.isBlank()) {
            throw InvalidInputException.of("domain", "is required: GET /api/accounts?domain=acme.com");
        }
        return accounts.byDomain(domain).stream().toList();
    }

    @GetMapping("/api/leads/{id}/account")
    Accounts.Membership ofLead(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return accounts.membership(id).orElseThrow(() -> new NotFoundException("Lead " + id
                + " has not been placed in an account yet (new leads are placed at capture, older ones at start)"));
    }

    record Move(String leadId) {
    }

    /** Puts a lead in this account (MARKETER, ADMIN); it stays there whatever its domain says. */
    @PostMapping("/api/accounts/{id}/contacts")
    Accounts.Membership move(@PathVariable String id, @RequestBody(required = false) Move body, Authentication user) {
        if (body == null || body.leadId() == null || body.leadId().isBlank()) {
            throw InvalidInputException.of("leadId", "is required: {\"leadId\": \"<lead id>\"}");
        }
        return accounts.move(body.leadId(), id, user.getName());
    }

    @DeleteMapping("/api/accounts/{id}/contacts/{leadId}")
    Accounts.Membership detach(@PathVariable String id, @PathVariable String leadId, Authentication user) {
        return accounts.detach(leadId, id, user.getName());
    }

    record Merge(String accountId) {
    }

    /** Merges the account named in the body into this one (MARKETER, ADMIN). */
    @PostMapping("/api/accounts/{id}/merge")
    Accounts.Account merge(@PathVariable String id, @RequestBody(required = false) Merge body, Authentication user) {
        if (body == null || body.accountId() == null || body.accountId().isBlank()) {
            throw InvalidInputException.of("accountId", "is required: the id of the account to merge into this one");
        }
        return accounts.merge(id, body.accountId(), user.getName());
    }
}
