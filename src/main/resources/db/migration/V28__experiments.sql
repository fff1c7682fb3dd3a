-- Experiments drawn in journeys (a "Split audience" task before a gateway): the plan each model gives, the state the
-- decision moves it through, and the ledger of which lead took which variant. Runs on PostgreSQL and on H2.
create table experiments (
    experiment_key   varchar(64)   primary key,
    process_key      varchar(255),               -- the journey it is drawn in, and the split task's id
    activity_id      varchar(255),
    metric           varchar(16)   not null,     -- CLICK, MQL, SQL
    window_iso       varchar(32)   not null,     -- P14D: outcomes counted within this long after the split
    min_leads        integer       not null,     -- per variant, whose window has ended, before the test is run
    on_decision      varchar(16)   not null,     -- WINNER (routes later leads to it) or KEEP (reports only)
    confidence       double precision not null,  -- 0.95
    guard_rate       double precision not null,  -- unsubscribes + complaints per lead that stop a variant
    state            varchar(16)   not null,     -- RUNNING, DECIDED, STOPPED
    winner           varchar(32),
    decided_at       timestamp with time zone,
    decided_by       varchar(100),               -- 'leadflow' for the test, a user for a choice by hand
    decision_note    varchar(2000),              -- the figures and the reason, in words
    decision_figures varchar(4000),              -- per variant: leads, successes, rate (JSON)
    started_at       timestamp with time zone not null,
    updated_at       timestamp with time zone not null
);

create table experiment_variants (
    experiment_key   varchar(64)   not null references experiments (experiment_key),
    variant          varchar(32)   not null,
    position         integer       not null,     -- the model's order: the first is the control
    weight           integer       not null,     -- 0 once a later model version dropped the variant
    stopped_at       timestamp with time zone,   -- the guard stopped it: no new leads
    stop_reason      varchar(1000),
    primary key (experiment_key, variant)
);

-- One row per lead and experiment: a lead keeps its variant whatever retries, nodes and loops. in_sample: the lead
-- was drawn at random while the experiment ran (only those are judged); false once the winner or the control routes.
create table experiment_assignments (
    experiment_key   varchar(64)   not null references experiments (experiment_key),
    lead_id          varchar(36)   not null,
    variant          varchar(32)   not null,
    in_sample        boolean       not null,
    assigned_at      timestamp with time zone not null,
    window_ends_at   timestamp with time zone not null,
    primary key (experiment_key, lead_id)
);
create index ix_experiment_assignments_variant on experiment_assignments (experiment_key, variant, window_ends_at);
create index ix_experiment_assignments_lead on experiment_assignments (lead_id);
