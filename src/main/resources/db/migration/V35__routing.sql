-- Routing that knows people (issue 31). Runs on PostgreSQL and on H2.
-- An account's owner: new MQLs of the account go to them (the lead-assignment table's "sticky" rule) unless away.
alter table accounts add column owner varchar(64);
alter table accounts add column owner_since timestamp with time zone;
-- who made them owner: a sales manager's user id, or HANDOFF when their acceptance of a contact's handoff did
alter table accounts add column owner_set_by varchar(64);

-- Why each handoff went to its owner: one row per assignment and per reassignment by the SLA ladder.
create table handoff_routings (
    id              varchar(36)  primary key,
    handoff_id      varchar(36)  not null,
    step            varchar(16)  not null,
    decided_at      timestamp with time zone not null,
    -- how the table said to pick (sticky, round-robin, weighted, named) and what happened
    rule            varchar(40)  not null,
    -- the team the table chose, and the team the handoff went to (its fallback team when nobody could take it)
    table_team      varchar(64)  not null,
    team            varchar(64)  not null,
    fallback_team   varchar(64),
    fallback_used   boolean      default false not null,
    owner           varchar(64),
    reason          varchar(400) not null,
    -- the instant the SLA clock starts on the team's calendar, at which working hours were checked
    clock_starts_at timestamp with time zone,
    -- the reps looked at, in JSON: [{"user","team","openHandoffs","capacity","weight","available","note"}]
    candidates      varchar(16000) not null
);
create index ix_handoff_routings_handoff on handoff_routings (handoff_id);
