-- Account scores (issue 31): the account-score table's last answer for each account. Runs on PostgreSQL and on H2.
alter table accounts add column score integer;
alter table accounts add column mqa boolean default false not null;
alter table accounts add column score_reason varchar(400);
alter table accounts add column scored_at timestamp with time zone;
-- set by a contact's engagement, cleared by the run that scores the account again
alter table accounts add column rescore_due boolean default false not null;
-- when it last became a marketing qualified account, and the contact it then handed to sales
alter table accounts add column mqa_at timestamp with time zone;
alter table accounts add column mqa_lead_id varchar(36);
create index ix_accounts_rescore_due on accounts (rescore_due);
-- the lead whose company field named the account: its erasure gives the account its domain's name
alter table accounts add column named_by varchar(36);
