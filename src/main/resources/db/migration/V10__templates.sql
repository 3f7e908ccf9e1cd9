-- WhatsApp templates: what Meta approved for sending outside the 24 h window. A WhatsApp channel
-- names its WhatsApp Business Account (waba_id); the templates of that account are synced from the
-- Graph API and kept per tenant. A WABA belongs to one tenant (its status webhooks are routed by it).

-- The account belongs to one tenant, enforced here and not only by the admin API: its primary key
-- takes one tenant per account, and a channel names an account only together with its own tenant.
create table waba_account (
    waba_id     text        primary key,
    tenant_id   bigint      not null references tenant (id),
    created_at  timestamptz not null default now(),
    unique (waba_id, tenant_id)
);
alter table channel add column waba_id text;
alter table channel add constraint channel_waba_of_tenant foreign key (waba_id, tenant_id)
    references waba_account (waba_id, tenant_id);
create index channel_waba on channel (waba_id) where waba_id is not null;

create table template (
    id                bigserial   primary key,
    tenant_id         bigint      not null references tenant (id),
    waba_id           text        not null,
    provider_id       text,                                       -- Meta's template id
    name              text        not null,
    language          text        not null,                       -- de, de_AT, en_US … (underscore)
    status            text        not null,                       -- APPROVED, PENDING, REJECTED, PAUSED, …
    category          text,
    parameter_format  text        not null default 'POSITIONAL',  -- POSITIONAL | NAMED
    components        jsonb       not null default '[]',          -- as Meta returns them
    reason            text,                                       -- of the last status change, if any
    synced_at         timestamptz,
    updated_at        timestamptz not null default now(),
    unique (tenant_id, waba_id, name, language)
);

grant select, insert, update, delete on template, waba_account to ${app_role};
alter table waba_account enable row level security;
alter table waba_account force row level security;
create policy tenant_isolation on waba_account using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
grant usage, select on sequence template_id_seq to ${app_role};
alter table template enable row level security;
alter table template force row level security;
create policy tenant_isolation on template using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));
