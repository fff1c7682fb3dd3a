-- Imports any node can finish. The uploaded file is kept in the database until its import ends, so the node
-- that started it is no longer the only one able to read it; the node running an import holds a claim it renews,
-- and a node that stops (a deployment, a crash, kill -9) leaves a claim that runs out: another node, or the same
-- one restarted, takes the import over from the last chunk committed.
alter table imports add column claimed_by varchar(100);
alter table imports add column claimed_until timestamp with time zone;
-- Line of the file's last row in a committed chunk: a resumed import skips the rows up to it.
alter table imports add column resume_line integer not null default 0;
alter table imports add column file_size bigint not null default 0;
-- The file's columns as resolved at upload (field=index;…), so a resumed import reads the file the same way.
alter table imports add column column_map varchar(2000);
-- Cancelling is a request any node can answer: the node running the import stops at its next chunk.
alter table imports add column cancel_requested boolean not null default false;
alter table imports add column resumed integer not null default 0;
create index ix_imports_claims on imports (status, claimed_until);

-- The uploaded file, compressed (gzip) and cut in parts of 256 KB, until its import ends.
create table import_file_parts (
    import_id        varchar(36)  not null,
    part_no          integer      not null,
    data             bytea        not null,
    primary key (import_id, part_no)
);

-- Imports running when this version was installed were started by a node that no longer holds their file:
-- they end as the stopping node used to end them.
update imports set status = 'FAILED', finished_at = current_timestamp,
       error = 'The service was upgraded while this import ran, after row ' || cast(rows_read as varchar(12))
               || '; rows up to it are imported. Upload the file again to import the rest: rows already imported '
               || 'merge unchanged.'
 where status = 'RUNNING';
