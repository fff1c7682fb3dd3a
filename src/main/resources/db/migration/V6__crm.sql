-- CRM pushes the CRM did not take (API.md §7, GET /api/crm/failures): one row per lead and purpose, kept after the
-- push succeeds (resolved_at) so an integrator sees what happened. step_ref says where the push waits (opaque to the
-- CRM channel: the process instance and activity of the "Push to CRM" step).
create table crm_failures (
    id               varchar(36)   primary key,
    lead_id          varchar(36)   not null,
    purpose          varchar(100)  not null,
    step_ref         varchar(200),
    failure_class    varchar(16)   not null,
    http_status      integer,
    crm_answer       varchar(1000),
    message          varchar(2000) not null,
    attempts         integer       not null,
    first_failed_at  timestamp with time zone not null,
    last_failed_at   timestamp with time zone not null,
    replayed_at      timestamp with time zone,
    resolved_at      timestamp with time zone
);
create unique index ux_crm_failures_push on crm_failures (lead_id, purpose);
create index ix_crm_failures_last on crm_failures (last_failed_at);

-- Inbound CRM events lead back to our leads by the CRM's id.
create index ix_leads_crm_id on leads (crm_id);

-- Spring Integration's JDBC metadata store: eventIds of CRM webhooks already applied (region 'crm-events'),
-- written in the transaction of the event's effect.
create table int_metadata_store (
    metadata_key    varchar(255)  not null,
    metadata_value  varchar(4000),
    region          varchar(100)  not null,
    constraint int_metadata_store_pk primary key (metadata_key, region)
);
