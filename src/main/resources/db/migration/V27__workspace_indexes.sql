-- The leads list (/leads, GET /api/leads/search) sorted by last activity, a page at a time from a cursor: with these
-- PostgreSQL walks the index from the cursor and stops after one page instead of sorting every lead of the filter
-- (bench M14, 1M leads: see BENCHMARKS.md). The list sorts on updated_at itself (never null), then the id.
-- The stage index replaces the single-column one, which it serves as well. Every change of a lead writes its
-- updated_at, so every update of a lead now writes an entry in each of its indexes (before, a score change could stay
-- on its page and write none): the price of a list that answers in milliseconds instead of a pass over every lead.
-- Runs on PostgreSQL and on H2. The score's index and the search's are PostgreSQL's own: db/postgresql/V27_1.
create index ix_leads_stage_activity on leads (stage, updated_at, id);
create index ix_leads_activity on leads (updated_at, id);
drop index ix_leads_stage;
