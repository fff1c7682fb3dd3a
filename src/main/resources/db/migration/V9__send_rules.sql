-- A step may send outside the send window ('any'); null keeps the window.
alter table email_outbox add column send_window varchar(16);
create index ix_email_outbox_lead_sent on email_outbox (lead_id, sent_at);
