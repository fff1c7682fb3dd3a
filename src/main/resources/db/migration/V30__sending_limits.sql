-- Deliverability: the recipient's domain of each email handed to SMTP (the per-domain hourly rate counts them), and
-- the pauses of marketing email after a storm of hard bounces or complaints. Runs on PostgreSQL and on H2.
alter table email_outbox add column recipient_domain varchar(255);
create index ix_email_outbox_domain_sent on email_outbox (recipient_domain, sent_at);
create index ix_email_outbox_sent on email_outbox (sent_at);

create table sending_pauses (
    id           varchar(36)   primary key,
    -- 1 while the pause holds, null once resumed: the unique index lets one pause hold at a time, whichever node
    active       integer,
    started_at   timestamp with time zone not null,
    reason       varchar(1000) not null,
    resumed_at   timestamp with time zone,
    resumed_by   varchar(100)
);
create unique index ux_sending_pauses_active on sending_pauses (active);
create index ix_sending_pauses_started on sending_pauses (started_at);
