-- The ids that make CRM events and pushes replay-safe (Spring Integration's metadata store) are kept for the replay
-- window only (leadflow.crm.replay-window): when each was written. Rows already there count from this migration.
-- Runs on PostgreSQL and on H2.
alter table int_metadata_store add column created_at timestamp with time zone default current_timestamp not null;
create index ix_int_metadata_store_created on int_metadata_store (region, created_at);
