-- The leads suppressed before the suppression list existed join it (see V29).
insert into suppressions (address_hash, address, reason, source, created_at)
select encode(sha256(convert_to(email, 'UTF8')), 'hex'), email,
       case suppressed_reason when 'HARD_BOUNCE' then 'BOUNCED' when 'SOFT_BOUNCE' then 'BOUNCED'
                              when 'COMPLAINED' then 'COMPLAINED' when 'UNSUBSCRIBED' then 'UNSUBSCRIBED'
                              else 'DO_NOT_CONTACT' end,
       'leadflow', coalesce(suppressed_at, updated_at)
  from leads where suppressed_reason is not null and email is not null;
