-- The suppression list: addresses that are never mailed and never imported as leads, whether a lead of ours was
-- suppressed (unsubscribe, bounce, complaint) or the list came from the tool Leadflow replaces. Keyed by the SHA-256 of
-- the trimmed lower-case address, so that lists given as hashes match and the entry outlives the person's erasure
-- (the address itself is then forgotten). Runs on PostgreSQL and on H2; the backfill of the leads suppressed before
-- this version is in db/{vendor}/V29_1 (each database hashes in its own words).
create table suppressions (
    address_hash  varchar(64)  primary key,
    address       varchar(254),               -- null for an entry given as a hash, and once the person is erased
    reason        varchar(32)  not null,      -- UNSUBSCRIBED, BOUNCED, COMPLAINED, DO_NOT_CONTACT
    source        varchar(200) not null,      -- 'leadflow' (a lead of ours) or 'import by <user>'
    created_at    timestamp with time zone not null
);
create index ix_suppressions_created on suppressions (created_at);
