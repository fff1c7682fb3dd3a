-- Consent proofs are written here in the transaction of the step they prove, without any lock, and sealed into
-- the hash chain (consent_ledger) by a single sealer shortly after: appends no longer queue on the chain's head row.
create table consent_ledger_pending (
    id              varchar(36)  primary key,
    lead_id         varchar(36)  not null,
    event           varchar(32)  not null,
    occurred_at     timestamp with time zone not null,
    address_hmac    varchar(64),
    ip_hmac         varchar(64),
    user_agent_hmac varchar(64),
    ip              varchar(64),
    user_agent      varchar(400),
    consent_text    varchar(200),
    detail          varchar(400)
);
create index ix_consent_ledger_pending_order on consent_ledger_pending (occurred_at, id);
create index ix_consent_ledger_pending_lead on consent_ledger_pending (lead_id);
