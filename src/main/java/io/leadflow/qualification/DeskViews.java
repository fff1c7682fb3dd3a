package io.leadflow.qualification;

import java.time.Clock;
import java.util.List;

import org.springframework.stereotype.Component;

import io.leadflow.account.Accounts;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadView;
import io.leadflow.lead.Leads;
import io.leadflow.qualification.Qualification.Bant;

/** What the desk sees of one qualification: the lead, its account's other leads, possible duplicates, the task. */
@Component
class DeskViews {

    /** Contacts of the account listed beside the lead: the most engaged first. */
    static final int CONTACTS = 20;

    record LeadFacts(String id, String name, String email, String company, String jobTitle, String country,
            Integer companySize, String industry, String stage, String grade, Integer fitScore, Double engagementScore,
            String source, String campaign, String owner, String page) {

        static LeadFacts of(Lead l) {
            return new LeadFacts(l.id(), LeadView.nameOf(l), l.email(), l.company(), l.jobTitle(), l.country(), l.companySize(),
                    l.industry(), l.stage().name(), l.grade(), l.fitScore(), l.engagementScore(), l.source(),
                    l.utmCampaign(), l.owner(), "/leads/" + l.id());
        }
    }

    record AccountFacts(String id, String name, String domain, Integer score, boolean mqa, String owner,
            int contacts, List<LeadFacts> otherContacts, String page) {
    }

    /**
     * @param taskId the waiting "Qualify at desk" task, for Tasklist; null once decided
     */
    record Detail(QualificationController.QualificationView qualification, String routeReason, Bant bant,
            String note, LeadFacts lead, AccountFacts account, List<LeadFacts> possibleDuplicates, String taskId) {
    }

    private final Leads leads;
    private final Accounts accounts;
    private final QualificationTasks tasks;
    private final Clock clock;

    DeskViews(Leads leads, Accounts accounts, QualificationTasks tasks, Clock clock) {
        this.leads = leads;
        this.accounts = accounts;
        this.tasks = tasks;
        this.clock = clock;
    }

    Detail detail(Qualification q) {
        Lead lead = leads.find(q.leadId()).orElse(null);
        AccountFacts account = q.accountId() == null ? null : accounts.find(q.accountId()).map(a -> {
            List<LeadFacts> others = leads.mostEngaged(
                    a.contacts().stream().filter(id -> !id.equals(q.leadId())).toList(), CONTACTS)
                    .stream().map(LeadFacts::of).toList();
            return new AccountFacts(a.id(), a.name(), a.domain(), a.score(), a.mqa(), a.owner(), a.contacts().size(),
                    others, "/accounts/" + a.id());
        }).orElse(null);
        List<LeadFacts> duplicates = lead == null || lead.erased() ? List.of()
                : leads.sameNameAndCompany(lead, 5).stream().map(LeadFacts::of).toList();
        String taskId = Qualification.OPEN.equals(q.status()) && q.processInstanceId() != null
                ? tasks.taskId(q.processInstanceId()).orElse(null) : null;
        return new Detail(QualificationController.QualificationView.of(q, clock.instant()), q.routeReason(), q.bant(),
                q.note(), lead == null || lead.erased() ? null : LeadFacts.of(lead), account, duplicates, taskId);
    }
}
