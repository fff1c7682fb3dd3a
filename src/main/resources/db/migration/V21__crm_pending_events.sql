-- CRM events that arrived before their handoff waited for a sales decision (the CRM answered the push and its
-- webhook came back before the push's transaction committed): kept until the handoff can take them, then applied
-- once and deleted. Ids only: the event's eventId is also in the applied-events store, so a redelivery is a duplicate.
create table crm_pending_events (
    event_id       varchar(200) primary key,
    lead_id        varchar(36)  not null,
    handoff_id     varchar(36)  not null,
    type           varchar(32)  not null,
    reason         varchar(64),
    opportunity_id varchar(200),
    received_at    timestamp with time zone not null,
    attempts       integer      not null default 0
);
create index crm_pending_events_received on crm_pending_events (received_at);
