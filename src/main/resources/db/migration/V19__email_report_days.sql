-- The email report per template, kept per day of creation (UTC) and template instead of counted over every email of
-- the period at each page view (1.4M emails a quarter at a million leads a year). An email row notes when a field the
-- report counts last changed (database time); the report first recomputes the days and templates of the emails
-- changed since its last refresh, so it stays exact. Runs on PostgreSQL and on H2.
alter table email_outbox add column changed_at timestamp with time zone default current_timestamp not null;
create index ix_email_outbox_changed on email_outbox (changed_at);

create table email_report_days (
    created_on    date        not null,
    template      varchar(64) not null,
    sent          bigint      not null,
    failed        bigint      not null,
    skipped       bigint      not null,
    clicks        bigint      not null,
    unsubscribes  bigint      not null,
    bounces       bigint      not null,
    complaints    bigint      not null,
    primary key (created_on, template)
);

-- One row: the database time up to which changes are in email_report_days; null until the first refresh builds it.
create table email_report_state (
    id                 integer primary key,
    refreshed_through  timestamp with time zone
);
insert into email_report_state (id, refreshed_through) values (1, null);
