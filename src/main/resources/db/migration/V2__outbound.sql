-- Outbound sending: who sent what, through which channel, as which attempt, under which
-- idempotency key; opt-out confirmations; sandbox channels; per-tenant confirmation text.

alter table tenant add column optout_confirmation_text text;

-- A sandbox channel sends to the in-process sandbox provider, never to Twilio or Meta.
alter table channel add column sandbox boolean not null default false;

alter table message add column kind            text   not null default 'message'
                                               check (kind in ('message', 'optout-confirmation'));
alter table message add column channel_id      bigint references channel (id);
alter table message add column sent_by         text;            -- actor: api-key:<id>:<name>, system
alter table message add column resend_of       bigint references message (id);
alter table message add column idempotency_key text;
alter table message add column request_hash    bytea;
alter table message add column attempted_at    timestamptz;     -- set once, just before the provider call
alter table message add column error_reason    text;            -- the gateway's reading of a provider error

-- An ERP retry with the same key finds the first message instead of sending twice.
create unique index message_idempotency on message (tenant_id, idempotency_key) where idempotency_key is not null;
-- Queued confirmations nobody has attempted yet (crash recovery sweeps these).
create index message_pending_confirmation on message (id)
    where kind = 'optout-confirmation' and attempted_at is null;
