-- The qualification desk (issue 32): how each MQL was routed (straight to sales or to the desk first), and what the
-- desk decided. Runs on PostgreSQL and on H2. The person's words (need, note, budget range), the hints and what ties
-- the row to the person (account, source, campaign) are erased with the lead; the coded answers stay for the reports.
create table qualifications (
    id                  varchar(36)   primary key,
    lead_id             varchar(36)   not null,
    account_id          varchar(36),
    process_instance_id varchar(64),
    -- DESK or DIRECT, by the qualification-route table; why, in words
    route               varchar(8)    not null,
    route_reason        varchar(1000),
    grade               varchar(8),
    team                varchar(64),
    source              varchar(200),
    campaign            varchar(255),
    -- hints for the desk, one per line: CODE|detail
    flags               varchar(4000),
    -- OPEN (waiting at the desk), DONE (decided), DIRECT (never at the desk), CANCELLED (the journey ended first)
    status              varchar(12)   not null,
    created_at          timestamp with time zone not null,
    due_at              timestamp with time zone,
    breached_at         timestamp with time zone,
    decided_at          timestamp with time zone,
    decided_by          varchar(64),
    disposition         varchar(16),
    reason              varchar(32),
    duplicate_of        varchar(36),
    routed_team         varchar(64),
    budget              varchar(16),
    budget_range        varchar(100),
    authority           varchar(16),
    need                varchar(500),
    timeline            varchar(16),
    note                varchar(2000)
);
create index ix_qualifications_lead on qualifications (lead_id, created_at);
create index ix_qualifications_status on qualifications (status, due_at);
create index ix_qualifications_created on qualifications (created_at);
