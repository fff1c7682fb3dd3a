-- Bulk rescores (POST /api/scoring/rescore): each run with its progress and result, kept in the database so that the
-- result survives a restart and any node answers for it. A run's counts are updated in the transaction of each chunk
-- of leads it rescores, so they always say what was committed.
create table scoring_rescores (
    id                 varchar(36)  primary key,
    status             varchar(16)  not null,
    -- 1 while the run is RUNNING, null once it ended: the unique index lets one run at a time, whichever node
    running            integer,
    decision_key       varchar(64),
    fit_version        integer      not null,
    engagement_version integer      not null,
    mql_version        integer      not null,
    started_by         varchar(100),
    total              bigint       not null,
    processed          bigint       not null default 0,
    changed            bigint       not null default 0,
    became_mql         bigint       not null default 0,
    grade_changes      bigint       not null default 0,
    started_at         timestamp with time zone not null,
    -- the last chunk committed: a run whose node died stops moving and is ended after a while
    heartbeat_at       timestamp with time zone not null,
    finished_at        timestamp with time zone,
    error              varchar(1000)
);
create unique index ux_scoring_rescores_running on scoring_rescores (running);
create index ix_scoring_rescores_started on scoring_rescores (started_at);
