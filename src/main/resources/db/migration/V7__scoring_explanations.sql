-- Which rule of which engagement-points version gave an event its points, for the score explanation.
alter table engagement_events add column rule_id varchar(64);
alter table engagement_events add column decision_version integer;

-- Score history, kept deliberately small: a row when a lead's grade or MQL decision changes, or when a marketer
-- rescores it; not on every event. Kept for leadflow.scoring.history.retention.
create table score_changes (
    id               varchar(36)  primary key,
    lead_id          varchar(36)  not null,
    changed_at       timestamp with time zone not null,
    cause            varchar(16)  not null,
    fit              integer      not null,
    engagement       double precision not null,
    grade            varchar(8),
    mql              boolean      not null,
    reason           varchar(400),
    fit_version      integer      not null,
    mql_version      integer      not null
);
create index ix_score_changes_lead on score_changes (lead_id, changed_at);
create index ix_score_changes_at on score_changes (changed_at);
