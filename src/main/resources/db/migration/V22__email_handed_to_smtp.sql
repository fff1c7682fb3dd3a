-- When the sender handed the email to SMTP, noted in the transaction that prepared it, just before the SMTP
-- conversation. A claim whose node died (kill -9, power) is sent by another node when this is empty: the email never
-- left. Only when it is set is the email "delivery uncertain" (FAILED, not resent).
alter table email_outbox add column smtp_started_at timestamp with time zone;
-- Rows being sent while this version is installed count as handed over: never resent.
update email_outbox set smtp_started_at = claimed_until where status = 'SENDING';
