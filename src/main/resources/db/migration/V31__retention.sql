-- Retention (issue 29): the runs of the retention job and the notices it sent. Runs on PostgreSQL and on H2.
create table retention_runs (
    id              varchar(36)  primary key,
    -- 1 while the run is unfinished, null once done: the unique index lets one run go at a time, whichever node
    active          integer,
    started_at      timestamp with time zone not null,
    finished_at     timestamp with time zone,
    -- the node working on it and until when it holds it: another node resumes a run whose holder went silent
    node            varchar(200) not null,
    lease_until     timestamp with time zone not null,
    trigger_kind    varchar(20)  not null,
    -- per rule: warned, kept, anonymised, left to sales (JSON, rewritten after every chunk)
    counts          varchar(4000) not null,
    chunks          integer      not null default 0,
    resumed         integer      not null default 0
);
create unique index ux_retention_runs_active on retention_runs (active);
create index ix_retention_runs_started on retention_runs (started_at);

create table retention_notices (
    id          varchar(36)  primary key,
    lead_id     varchar(36)  not null,
    rule_name   varchar(100) not null,
    run_id      varchar(36)  not null,
    warned_at   timestamp with time zone not null,
    answer_by   timestamp with time zone not null,
    -- WARNED, then KEPT (the person answered, or showed a sign of life), ANONYMISED, or CLOSED (consent ended)
    status      varchar(20)  not null,
    decided_at  timestamp with time zone,
    outcome     varchar(200)
);
create index ix_retention_notices_lead on retention_notices (lead_id, status);
create index ix_retention_notices_due on retention_notices (status, answer_by);
