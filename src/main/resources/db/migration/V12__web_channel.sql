-- Page views of visitors we do not know yet, under the random id the tracking snippet keeps in the site's own
-- storage: no IP address, no user agent, no query string. They become engagement events of the lead when the visitor
-- becomes known (and are deleted here then), or are purged after leadflow.web.tracking.anonymous-retention.
create table web_anonymous_visits (
    id            varchar(36)   primary key,
    anonymous_id  varchar(64)   not null,
    type          varchar(64)   not null,
    url           varchar(2000) not null,
    occurred_at   timestamp with time zone not null
);
create index ix_web_anonymous_visits_visitor on web_anonymous_visits (anonymous_id, occurred_at);
create index ix_web_anonymous_visits_time on web_anonymous_visits (occurred_at);
