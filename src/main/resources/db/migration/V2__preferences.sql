-- The preference centre behind every unsubscribe link: which topics, how often.
create table lead_preferences (
    lead_id     varchar(36)  primary key references leads (id) on delete cascade,
    topics      varchar(200) not null,
    frequency   varchar(16)  not null,
    updated_at  timestamp with time zone not null
);
