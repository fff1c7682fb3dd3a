-- The analytics reports over a cohort read these columns only, so PostgreSQL answers them from the index without
-- visiting the (wide) lead rows (bench M9, 1M leads and 20M events: see BENCHMARKS.md). It replaces the single-column
-- index on the creation time, which it serves as well. (The email report reads its own rollup, V19, so the outbox
-- keeps its narrow index: a covering one would be written again at every status change of every email.)
-- Runs on PostgreSQL and on H2.
create index ix_leads_cohort on leads (created_at, confirmed_at, first_nurture_at, first_mql_at, first_sal_at,
                                      first_sql_at, source, utm_campaign, id);
drop index ix_leads_created;
