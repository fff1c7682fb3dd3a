-- PostgreSQL only (Flyway reads db/{vendor} after db/migration): what H2 cannot index, for the leads list at a
-- million leads (bench M14). The SQL stays the same on both databases; H2 evaluates it without these.
--
-- The score sort, on the very expression LeadSearch.Sort.score sorts on (keep them identical), then the id as the
-- cursor's tie-break. With the stage first for a filtered list: walking the score index alone and skipping other
-- stages reads 800,000 leads before the first NEW one (unconfirmed, so scored 0, all at the bottom): 6 s at 1M.
create index ix_leads_stage_score on leads (stage, (coalesce(fit_score, 0) + coalesce(engagement_score, 0)), id);
create index ix_leads_score on leads ((coalesce(fit_score, 0) + coalesce(engagement_score, 0)), id);

-- The search: q is looked for anywhere in the address, the names and the company (LeadFilter.SEARCHED, identical
-- here). A b-tree cannot answer like '%q%'; a trigram index can, for any q of three characters or more. pg_trgm ships
-- with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13: the database's owner may create it.
-- The costliest index of the table to write (about 60 entries a lead, at each insert and update): the contact import
-- (bench M8) runs about a quarter slower with these three indexes. fastupdate (the default) is kept: without it the
-- import ran at half its speed.
create extension if not exists pg_trgm;
create index ix_leads_search on leads using gin ((lower(coalesce(email, '') || ' ' || coalesce(first_name, '') || ' '
    || coalesce(last_name, '') || ' ' || coalesce(company, ''))) gin_trgm_ops);
