-- Rejected import rows hold the row as it was, personal data included: they are erased with the person (matched by
-- the SHA-256 of every address in the row, as erasure knows the person) and deleted after
-- leadflow.imports.rejected-rows-retention.
alter table import_rejections add column address_hashes varchar(1000);
