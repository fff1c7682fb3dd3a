-- The closed loop with the CRM (issue 31): what became of the leads sales took. Runs on PostgreSQL and on H2.
-- Opportunities the CRM reported for our leads, by the CRM's id: created, then won or lost, with their amount.
create table opportunities (
    id              varchar(200) primary key,
    lead_id         varchar(36)  not null,
    -- the lead's account when the CRM reported it, so that an account's pipeline survives a lead moving
    account_id      varchar(36),
    handoff_id      varchar(36),
    status          varchar(8)   not null,
    amount          numeric(18, 2),
    currency        varchar(3),
    close_date      date,
    lost_reason     varchar(40),
    created_at      timestamp with time zone not null,
    closed_at       timestamp with time zone,
    updated_at      timestamp with time zone not null,
    last_event_id   varchar(200) not null
);
create index ix_opportunities_lead on opportunities (lead_id);
create index ix_opportunities_account on opportunities (account_id);
create index ix_opportunities_handoff on opportunities (handoff_id);

-- The first call, email or meeting sales logged in the CRM for a handoff's lead: the end of "time to first touch".
alter table handoffs add column first_touch_at timestamp with time zone;
alter table handoffs add column first_touch_activity varchar(16);
