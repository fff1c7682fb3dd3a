-- The analytics reports over a cohort read these columns only, so PostgreSQL answers them from the index without
-- visiting the (wide) lead and outbox rows (bench M9, 1M leads and 20M events: see BENCHMARKS.md). They replace the
-- single-column indexes on the creation time, which they serve as well. Runs on PostgreSQL and on H2.
create index ix_leads_cohort on leads (created_at, confirmed_at, first_nurture_at, first_mql_at, first_sal_at,
                                      first_sql_at, source, utm_campaign, id);
drop index ix_leads_created;
create index ix_email_outbox_report on email_outbox (created_at, to_address, template, status, clicks, unsubscribed_at,
                                                     bounced_at, complained_at);
drop index ix_email_outbox_created;
