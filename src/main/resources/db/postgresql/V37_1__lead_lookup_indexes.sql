-- PostgreSQL only (H2 indexes neither an expression nor part of a table): two look-ups that read every lead.
-- Built at the upgrade, as the other migrations are: writes to leads wait while it builds (seconds at a million).
--
-- The qualification desk's possible-duplicate hint (LeadRepository.sameNameAndCompany) looks for the same first name,
-- last name and company, in any case, each time an MQL is routed and for each lead the desk page shows. Without this
-- index each look was a sequential scan of the leads. The import pays one more b-tree entry a lead.
create index ix_leads_person on leads (lower(last_name), lower(first_name), lower(company));

-- The erased leads whose engine history is still to be deleted (LeadRepository, polled about twice a minute on every
-- node): without it each poll read every lead (241 ms at a million, bench M14's --statements). Only those leads are in
-- it, so it costs a capture or an import nothing.
create index ix_leads_erased_unpurged on leads (erased_at) where erased_at is not null and engine_purged_at is null;
