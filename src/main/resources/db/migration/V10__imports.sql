-- Contact imports: one row per uploaded file, with its progress and result.
create table imports (
    id               varchar(36)  primary key,
    file_sha256      varchar(64)  not null,
    file_name        varchar(200),
    status           varchar(16)  not null,
    legal_basis      varchar(16)  not null,
    repermission     boolean      not null,
    conflict         varchar(16)  not null,
    created_by       varchar(64),
    created_at       timestamp with time zone not null,
    finished_at      timestamp with time zone,
    rows_read        integer      not null default 0,
    percent          integer      not null default 0,
    created          integer      not null default 0,
    merged           integer      not null default 0,
    unchanged        integer      not null default 0,
    rejected         integer      not null default 0,
    mapping          varchar(2000),
    error            varchar(1000)
);
create index ix_imports_sha on imports (file_sha256);

-- Rows refused, with the reason and the row as it was, for the rejected-rows file.
create table import_rejections (
    import_id        varchar(36)  not null,
    line_no          integer      not null,
    reason           varchar(400) not null,
    raw              varchar(8000),
    primary key (import_id, line_no)
);

-- Every merge into an existing lead (or into an earlier row of the same file), for the merge report.
create table import_merges (
    import_id        varchar(36)  not null,
    line_no          integer      not null,
    lead_id          varchar(36)  not null,
    changed_fields   varchar(400),
    primary key (import_id, line_no)
);

-- Re-permission campaign: double opt-in started for imported leads without proof, a few per hour.
create table import_repermissions (
    lead_id          varchar(36)  primary key,
    import_id        varchar(36)  not null,
    queued_at        timestamp with time zone not null,
    started_at       timestamp with time zone
);
create index ix_import_repermissions_due on import_repermissions (started_at, queued_at);
