-- Accounts (issue 31): leads grouped by company through their email domain. Runs on PostgreSQL and on H2.
create table accounts (
    id           varchar(36)  primary key,
    name         varchar(200) not null,
    -- the name reduced to what two spellings share ("ACME, Inc." and "Acme": acme), to place free-mail leads by company
    name_key     varchar(200) not null,
    -- set when a marketer merged this account into another: its id then stands for that one
    merged_into  varchar(36),
    created_at   timestamp with time zone not null,
    updated_at   timestamp with time zone not null
);
create index ix_accounts_name_key on accounts (name_key);

-- the domains an account owns (its first, and those of accounts merged into it); a lead's domain or one above it
create table account_domains (
    domain      varchar(253) primary key,
    account_id  varchar(36)  not null,
    added_at    timestamp with time zone not null
);
create index ix_account_domains_account on account_domains (account_id);

-- where each lead stands: its account (null for none), how that was decided (DOMAIN, COMPANY, MOVED, NONE) and why
create table account_members (
    lead_id     varchar(36)  primary key,
    account_id  varchar(36),
    how         varchar(10)  not null,
    reason      varchar(400) not null,
    decided_at  timestamp with time zone not null
);
create index ix_account_members_account on account_members (account_id);
