-- What each email led to, so that the email report can say per template how many clicks, unsubscribes, bounces and
-- complaints its emails brought: a click token names the lead and the email's purpose (unique per lead), an
-- unsubscribe link is issued for one email, a bounce report quotes the email's X-Leadflow-Purpose header.
-- Runs on PostgreSQL and on H2.
alter table email_outbox add column clicks integer default 0 not null;
alter table email_outbox add column unsubscribed_at timestamp with time zone;
alter table email_outbox add column bounced_at timestamp with time zone;
alter table email_outbox add column complained_at timestamp with time zone;

-- The email an unsubscribe link was written into; null for links issued before this version.
alter table consent_tokens add column email_id varchar(36);

-- Backfill. What happened before this version carries no email, so each click, unsubscribe, bounce and complaint is
-- given to the lead's latest email sent at or before it (clicks: the latest with tracked links, i.e. not a
-- double opt-in email). Refusals by our SMTP server were recorded on the email itself.
update email_outbox o set clicks = (
    select count(*) from engagement_events e
     where e.lead_id = o.lead_id and e.type = 'EMAIL_CLICKED' and e.occurred_at >= o.sent_at
       and not exists (select 1 from email_outbox n
                        where n.lead_id = o.lead_id and n.to_address is null and n.status = 'SENT'
                          and n.template not like 'doi-%' and n.sent_at > o.sent_at and n.sent_at <= e.occurred_at))
 where o.status = 'SENT' and o.to_address is null and o.template not like 'doi-%';

update email_outbox o set unsubscribed_at = (
    select min(c.occurred_at) from consent_ledger c
     where c.lead_id = o.lead_id and c.event = 'UNSUBSCRIBED' and c.occurred_at >= o.sent_at
       and not exists (select 1 from email_outbox n
                        where n.lead_id = o.lead_id and n.to_address is null and n.status = 'SENT'
                          and n.sent_at > o.sent_at and n.sent_at <= c.occurred_at))
 where o.status = 'SENT' and o.to_address is null;

update email_outbox o set (bounced_at, complained_at) = (
    select min(case when b.kind in ('HARD', 'SOFT') then b.received_at end),
           min(case when b.kind = 'COMPLAINT' then b.received_at end)
      from email_bounces b
     where b.lead_id = o.lead_id and b.received_at >= o.sent_at
       and not exists (select 1 from email_outbox n
                        where n.lead_id = o.lead_id and n.to_address is null and n.status = 'SENT'
                          and n.sent_at > o.sent_at and n.sent_at <= b.received_at))
 where o.status = 'SENT' and o.to_address is null;

update email_outbox set bounced_at = created_at
 where status = 'FAILED' and last_error like 'permanent SMTP refusal%' and bounced_at is null;

-- The analytics reports read a period of each table (bench M9: 90 days of a year's history); without these each
-- report scanned whole tables: all events to count the clicks, all leads to find a cohort.
create index ix_leads_created on leads (created_at);
create index ix_leads_suppressed on leads (suppressed_at);
create index ix_engagement_events_type on engagement_events (type, occurred_at);
create index ix_consent_ledger_event on consent_ledger (event, occurred_at);
create index ix_email_outbox_created on email_outbox (created_at);
