-- Leadflow's own tables. Camunda creates and owns its ACT_* tables itself.
-- Runs on PostgreSQL and on H2 in PostgreSQL mode.

create table leads (
    id                       varchar(36)  primary key,
    email                    varchar(254),           -- normalised (trimmed, lower case); null once erased
    first_name               varchar(200),
    last_name                varchar(200),
    company                  varchar(200),
    job_title                varchar(200),
    industry                 varchar(200),
    company_size             integer,
    country                  varchar(2),
    phone                    varchar(200),
    source                   varchar(200),
    utm_source               varchar(200),
    utm_medium               varchar(200),
    utm_campaign             varchar(200),
    language                 varchar(35),
    consent_text             varchar(200),
    consent                  varchar(16)  not null,
    stage                    varchar(16)  not null,
    fit_score                integer,
    engagement_score         double precision,
    grade                    varchar(1),
    owner                    varchar(64),
    team                     varchar(64),
    crm_id                   varchar(200),
    confirmation_sent_at     timestamp with time zone,
    confirmed_at             timestamp with time zone,
    suppressed_reason        varchar(32),
    suppressed_at            timestamp with time zone,
    erased_at                timestamp with time zone,
    engine_purged_at         timestamp with time zone, -- engine history of an erased lead deleted
    created_at               timestamp with time zone not null,
    updated_at               timestamp with time zone not null
);
create unique index ux_leads_email on leads (email);
create index ix_leads_stage on leads (stage);

-- Single-use links (confirmation, unsubscribe). Only a SHA-256 of the token is stored.
create table consent_tokens (
    token_hash   varchar(64)  primary key,
    lead_id      varchar(36)  not null references leads (id) on delete cascade,
    purpose      varchar(16)  not null,
    created_at   timestamp with time zone not null,
    expires_at   timestamp with time zone not null,
    used_at      timestamp with time zone
);
create index ix_consent_tokens_lead on consent_tokens (lead_id);

-- Append-only, hash-chained proof of consent. Raw IP and user agent are erasable;
-- the chain covers only their keyed hashes, so it still verifies after an erasure.
create table consent_ledger (
    seq             bigint       primary key,
    lead_id         varchar(36)  not null,
    event           varchar(32)  not null,
    occurred_at     timestamp with time zone not null,
    address_hmac    varchar(64),
    ip_hmac         varchar(64),
    user_agent_hmac varchar(64),
    ip              varchar(64),
    user_agent      varchar(400),
    consent_text    varchar(200),
    detail          varchar(400),
    previous_hash   varchar(64)  not null,
    hash            varchar(64)  not null
);
create index ix_consent_ledger_lead on consent_ledger (lead_id);

-- One row; locked while appending so that concurrent writers cannot fork the chain.
create table consent_ledger_head (
    id         integer      primary key,
    last_seq   bigint       not null,
    last_hash  varchar(64)  not null
);
insert into consent_ledger_head (id, last_seq, last_hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Every email goes through here: one row per lead and purpose, so a retried step never sends twice.
create table email_outbox (
    id               varchar(36)  primary key,
    lead_id          varchar(36)  not null,
    purpose          varchar(120) not null,
    template         varchar(64)  not null,
    status           varchar(16)  not null,
    attempts         integer      not null default 0,
    next_attempt_at  timestamp with time zone not null,
    claimed_until    timestamp with time zone,
    last_error       varchar(1000),
    created_at       timestamp with time zone not null,
    sent_at          timestamp with time zone,
    constraint ux_email_outbox_purpose unique (lead_id, purpose)
);
create index ix_email_outbox_due on email_outbox (status, next_attempt_at);

create table engagement_events (
    id           varchar(36)  primary key,
    lead_id      varchar(36)  not null references leads (id) on delete cascade,
    type         varchar(64)  not null,
    url          varchar(2000),
    occurred_at  timestamp with time zone not null,
    received_at  timestamp with time zone not null,
    points       integer      not null,
    scored       boolean      not null
);
create index ix_engagement_events_lead on engagement_events (lead_id, occurred_at);

create table handoffs (
    id                   varchar(36)  primary key,
    lead_id              varchar(36)  not null,
    team                 varchar(64)  not null,
    owner                varchar(64),
    grade                varchar(1),
    status               varchar(16)  not null,
    created_at           timestamp with time zone not null,
    due_at               timestamp with time zone not null,
    remind_at            timestamp with time zone,
    breached_at          timestamp with time zone,
    escalation_level     integer      not null default 0,
    accepted_at          timestamp with time zone,
    closed_at            timestamp with time zone,
    reject_reason        varchar(32),
    opportunity_id       varchar(200),
    crm_error            varchar(1000)
);
create index ix_handoffs_status on handoffs (status);
create index ix_handoffs_lead on handoffs (lead_id);

-- Round-robin cursor per sales team, shared by every node.
create table team_cursor (
    team        varchar(64) primary key,
    next_index  integer     not null
);

-- The built-in sandbox CRM (dev only): what Leadflow pushed, keyed by Idempotency-Key.
create table sandbox_crm_records (
    id               varchar(36)   primary key,
    idempotency_key  varchar(200)  not null unique,
    payload          varchar(8000) not null,
    received_at      timestamp with time zone not null
);
