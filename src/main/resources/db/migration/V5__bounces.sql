-- Bounces and complaints read from the bounce mailbox, one row per report and lead. Soft bounces are counted over a
-- window, by the email they are about; a report read twice (a crash before it was marked read, two nodes reading the
-- same mailbox) is recognised by its Message-ID.
-- Runs on PostgreSQL and on H2.
create table email_bounces (
    id                   varchar(36)  primary key,
    lead_id              varchar(36)  not null references leads (id) on delete cascade,
    kind                 varchar(16)  not null,  -- HARD, SOFT, COMPLAINT
    status_code          varchar(32),            -- DSN status (5.1.1) or feedback type (abuse)
    received_at          timestamp with time zone not null,
    message_id           varchar(260) not null,  -- of the report (sha256:… when it has none)
    original_message_id  varchar(260),           -- of our email the report is about, when the report quotes it
    constraint ux_email_bounces_report unique (message_id, lead_id)
);
create index ix_email_bounces_lead on email_bounces (lead_id, kind, received_at);
