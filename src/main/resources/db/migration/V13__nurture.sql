-- Where each lead stands in nurture: the track nurture-track chose, and a sunset (no more nurture email after
-- leadflow.nurture.sunset-after emails and a re-engagement email without any engagement) until the lead comes back.
create table nurture_status (
    lead_id         varchar(36)  primary key references leads (id) on delete cascade,
    track           varchar(64)  not null,
    track_chosen_at timestamp with time zone not null,
    sunset_at       timestamp with time zone,
    returned_at     timestamp with time zone
);
create index ix_nurture_status_sunset on nurture_status (sunset_at);
