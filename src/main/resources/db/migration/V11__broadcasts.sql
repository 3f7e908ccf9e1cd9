-- Broadcasts: one notice to many residents, where each recipient passes every gate on their own.
-- A recipient row is the work item: it is claimed once (pending → sending) under the sending number's
-- pacing slot, and its message goes through the ordinary outbound route with the idempotency key
-- gateway:broadcast:<broadcast>:<recipient>, so a crash between claim and outcome is resolved from
-- the message table (never by sending again when a message exists).

create table broadcast (
    id               bigserial   primary key,
    tenant_id        bigint      not null references tenant (id),
    name             text        not null,
    channel          text        not null check (channel in ('whatsapp', 'sms')),
    channel_id       bigint      not null references channel (id),
    template         jsonb,                                    -- {"name","language"} on WhatsApp
    text             text,                                     -- SMS
    status           text        not null check (status in ('running', 'completed', 'cancelled')),
    total            integer     not null,
    created_by       text        not null,
    idempotency_key  text,
    request_hash     bytea,
    created_at       timestamptz not null default now(),
    ended_at         timestamptz,
    progress_at      timestamptz,                              -- last broadcast.progress event
    unique (tenant_id, idempotency_key)
);
create index broadcast_running on broadcast (channel_id) where status = 'running';

create table broadcast_recipient (
    id            bigserial   primary key,
    tenant_id     bigint      not null references tenant (id),
    broadcast_id  bigint      not null references broadcast (id),
    position      integer     not null,
    phone         text        not null,                        -- E.164, or as given when it is no number
    outcome       text        not null check (outcome in ('pending', 'sending', 'sent', 'failed', 'blocked_optout',
                                                          'invalid_phone', 'cancelled')),
    components    jsonb,                                       -- WhatsApp: the template's filled-in components
    body          text,                                        -- the text the resident reads
    message_id    bigint      references message (id),
    error         text,
    claimed_by    text,
    claimed_until timestamptz,                                 -- a lease a crash lets run out
    finished_at   timestamptz
);
create index broadcast_recipient_due on broadcast_recipient (broadcast_id, id) where outcome = 'pending';
create index broadcast_recipient_sending on broadcast_recipient (claimed_until) where outcome = 'sending';
create index broadcast_recipient_list on broadcast_recipient (broadcast_id, outcome, id);

-- Pacing per sending number, shared by every instance: the next moment a broadcast send may start.
create table broadcast_pacing (
    channel_id  bigint      primary key references channel (id),
    tenant_id   bigint      not null references tenant (id),
    next_at     timestamptz not null
);

grant select, insert, update, delete on broadcast, broadcast_recipient, broadcast_pacing to ${app_role};
grant usage, select on sequence broadcast_id_seq, broadcast_recipient_id_seq to ${app_role};
alter table broadcast enable row level security;
alter table broadcast force row level security;
alter table broadcast_recipient enable row level security;
alter table broadcast_recipient force row level security;
alter table broadcast_pacing enable row level security;
alter table broadcast_pacing force row level security;
create policy tenant_isolation on broadcast using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
create policy tenant_isolation on broadcast_recipient using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
create policy tenant_isolation on broadcast_pacing using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
