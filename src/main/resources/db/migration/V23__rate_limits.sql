-- Rate-limit counters shared by every node: one row per key and fixed window (aligned on the epoch, so all nodes
-- count in the same window). Keys are SHA-256 hashes: a limit per address must not keep the address itself.
create table rate_limit_windows (
    key_hash     varchar(64) not null,
    window_start bigint      not null,
    hits         integer     not null,
    expires_at   bigint      not null,
    primary key (key_hash, window_start)
);
create index rate_limit_windows_expiry on rate_limit_windows (expires_at);
