-- Email templates are models (mail/ beside bpmn/ and dmn/): each content a node loads becomes a version, kept with
-- its files, so that the version an email was rendered from can be told and read again after the files changed.
-- A version is the whole template (every language, text and HTML): the same content always has the same number,
-- whichever node loaded it first.
create table email_template_versions (
    name        varchar(64)  not null,
    version     integer      not null,
    checksum    varchar(64)  not null,
    source      varchar(500) not null,
    created_at  timestamp    not null,
    primary key (name, version)
);

create table email_template_files (
    name     varchar(64)     not null,
    version  integer         not null,
    file     varchar(100)    not null,
    content  varchar(200000) not null,
    primary key (name, version, file),
    foreign key (name, version) references email_template_versions (name, version)
);

-- The version of its template an email was rendered from (null for emails sent before templates had versions).
alter table email_outbox add column template_version integer;
