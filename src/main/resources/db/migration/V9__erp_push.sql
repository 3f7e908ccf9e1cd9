-- Signed event push to the ERP (Standard Webhooks). The tenant event table stays the only copy of
-- the events (the outbox): a subscription keeps a cursor into it, and the job turns each matching
-- event after the cursor into a delivery row, the work item of that event for that subscription.
-- A pending delivery is taken by one instance at a time under a lease (lease_until) that a crash
-- lets run out, and retried with backoff (next_attempt_at) until give_up_at.

create table webhook_subscription (
    id              uuid        primary key,
    tenant_id       bigint      not null references tenant (id),
    url             text        not null,
    types           text[],                                   -- null: every type
    description     text,
    status          text        not null check (status in ('active', 'paused', 'disabled')),
    secret          bytea       not null,                     -- SecretCipher, bound to this row
    start_event_id  bigint      not null,                     -- the tenant's last event at creation
    cursor_event_id bigint      not null,                     -- events up to here have their deliveries
    held_since      timestamptz,                              -- paused or disabled since (not towards give-up)
    fanned_at       timestamptz,                              -- last time the job turned its events into deliveries
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index webhook_subscription_tenant on webhook_subscription (tenant_id, created_at);
create index webhook_subscription_active on webhook_subscription (id) where status = 'active';

create table webhook_delivery (
    subscription_id  uuid        not null references webhook_subscription (id) on delete cascade,
    tenant_id        bigint      not null references tenant (id),
    event_id         bigint      not null,                    -- tenant_event (tenant_id, id)
    event_type       text        not null,
    conversation_id  bigint,                                  -- order is kept per conversation
    status           text        not null check (status in ('pending', 'delivered', 'failed')),
    attempts         integer     not null default 0,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    next_attempt_at  timestamptz,
    give_up_at       timestamptz,                             -- set by the first failed attempt
    lease_until      timestamptz,
    lease_owner      text,                                    -- the instance that took it last
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    primary key (subscription_id, event_id)
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'pending';
create index webhook_delivery_conversation on webhook_delivery (subscription_id, conversation_id, event_id)
    where status = 'pending' and conversation_id is not null;
create index webhook_delivery_status on webhook_delivery (subscription_id, status, event_id);

grant select, insert, update, delete on webhook_subscription, webhook_delivery to ${app_role};
alter table webhook_subscription enable row level security;
alter table webhook_subscription force row level security;
create policy tenant_isolation on webhook_subscription using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
alter table webhook_delivery enable row level security;
alter table webhook_delivery force row level security;
create policy tenant_isolation on webhook_delivery using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
