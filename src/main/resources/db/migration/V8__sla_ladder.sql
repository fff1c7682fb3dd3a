-- The SLA ladder of a handoff: remind the owner, escalate to the manager, reassign, all in business time.
alter table handoffs add column escalate_at timestamp with time zone;
alter table handoffs add column reassign_at timestamp with time zone;
alter table handoffs add column reminded_at timestamp with time zone;
alter table handoffs add column escalated_at timestamp with time zone;
alter table handoffs add column reassigned_at timestamp with time zone;
alter table handoffs add column previous_owner varchar(64);
create index ix_handoffs_created on handoffs (created_at);

-- Emails to our own staff (SLA reminders and escalations): the recipient is not the lead, no consent applies,
-- and the few values the template needs travel with the row.
alter table email_outbox add column to_address varchar(254);
alter table email_outbox add column params varchar(2000);
