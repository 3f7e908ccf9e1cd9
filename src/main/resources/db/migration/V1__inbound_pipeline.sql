-- Inbox Gateway schema, version 1: tenants and their channels, master data, threads, opt-outs, audit.
-- Every tenant-owned row carries tenant_id, and every unique key starts with it, so that no lookup
-- can match across tenants.

create table tenant (
    id          bigserial primary key,
    slug        text        not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text        not null,
    created_at  timestamptz not null default now()
);

-- One business number of a tenant on one channel. Secrets live in "secrets" only, AES-GCM encrypted
-- with gateway.secrets-key (see SecretCipher); the plain columns are what routing needs.
create table channel (
    id                    bigserial primary key,
    tenant_id             bigint      not null references tenant (id),
    channel               text        not null check (channel in ('whatsapp', 'sms')),
    address               text        not null,               -- the business number, E.164
    phone_number_id       text,                               -- WhatsApp: Meta's id of the number
    account_sid           text,                               -- SMS: Twilio account
    messaging_service_sid text,                               -- SMS: optional Twilio messaging service
    secrets               bytea       not null,
    created_at            timestamptz not null default now(),
    check (channel <> 'whatsapp' or phone_number_id is not null),
    check (channel <> 'sms' or account_sid is not null)
);
-- A provider number belongs to exactly one tenant, or a webhook could not name its owner.
create unique index channel_whatsapp_number on channel (phone_number_id) where channel = 'whatsapp';
create unique index channel_sms_number on channel (address) where channel = 'sms';
create index channel_tenant on channel (tenant_id);

create table api_key (
    id          bigserial primary key,
    tenant_id   bigint      not null references tenant (id),
    name        text        not null,
    key_hash    bytea       not null unique,                  -- SHA-256 of the key; the key itself is never stored
    scopes      text[]      not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index api_key_tenant on api_key (tenant_id);

create table contact (
    id          bigserial primary key,
    tenant_id   bigint      not null references tenant (id),
    external_id text        not null,
    name        text,
    role        text        check (role in ('resident', 'owner')),
    unit_ref    text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, external_id)
);

-- A phone number names one contact per tenant (the ERP's latest upsert wins).
create table contact_phone (
    tenant_id   bigint not null references tenant (id),
    phone       text   not null,
    contact_id  bigint not null references contact (id) on delete cascade,
    primary key (tenant_id, phone)
);
create index contact_phone_contact on contact_phone (contact_id);

-- Exactly one conversation per (tenant, phone, channel). The contact is joined through
-- contact_phone when read, so a conversation of an unknown sender links itself once the ERP
-- upserts a contact with that phone.
create table conversation (
    id               bigserial primary key,
    tenant_id        bigint      not null references tenant (id),
    channel          text        not null check (channel in ('whatsapp', 'sms')),
    phone            text        not null,
    created_at       timestamptz not null default now(),
    last_message_at  timestamptz not null default now(),
    last_inbound_at  timestamptz,                             -- provider timestamp: the WhatsApp window runs from it
    unique (tenant_id, phone, channel)
);
create index conversation_recent on conversation (tenant_id, last_message_at desc, id desc);

create table message (
    id                  bigserial primary key,
    tenant_id           bigint      not null references tenant (id),
    conversation_id     bigint      not null references conversation (id),
    channel             text        not null,
    direction           text        not null check (direction in ('inbound', 'outbound')),
    provider_message_id text,
    type                text        not null,
    text                text,
    media               jsonb,
    data                jsonb,                                -- type-specific content: location, reaction, reply …
    reply_to            text,                                 -- provider id of the message replied to
    profile_name        text,
    sender              text,
    recipient           text,
    status              text        not null,
    status_rank         smallint    not null default 0,
    error_code          text,
    error_message       text,
    provider_timestamp  timestamptz,
    created_at          timestamptz not null default now(),
    status_updated_at   timestamptz
);
-- Idempotency: a re-delivered webhook finds its message and stores nothing.
create unique index message_provider_id on message (tenant_id, channel, provider_message_id);
create index message_conversation on message (conversation_id, id desc);

-- Every status a provider reported, in arrival order, deduplicated on (message, status). Kept even
-- when the outbound message is not (yet) known, so a status that overtakes the send is not lost.
create table message_status_event (
    id                  bigserial primary key,
    tenant_id           bigint      not null references tenant (id),
    channel             text        not null,
    provider_message_id text        not null,
    status              text        not null,
    status_rank         smallint    not null,
    error_code          text,
    error_message       text,
    provider_timestamp  timestamptz,
    received_at         timestamptz not null default now(),
    unique (tenant_id, channel, provider_message_id, status)
);

-- Opt-outs are history: one row per STOP; ended_at is set by a documented re-consent.
create table optout (
    id                 bigserial primary key,
    tenant_id          bigint      not null references tenant (id),
    channel            text        not null check (channel in ('whatsapp', 'sms')),
    phone              text        not null,
    created_at         timestamptz not null default now(),
    source             text        not null,                 -- keyword:STOP, provider:twilio-optout-type, …
    source_message_id  text,
    ended_at           timestamptz,
    end_source         text,
    end_consented_at   timestamptz,
    end_note           text
);
create unique index optout_active on optout (tenant_id, channel, phone) where ended_at is null;
create index optout_history on optout (tenant_id, channel, phone, created_at);

-- Anything a provider sent that the normalizer could not map: kept, never dropped.
create table unrecognized_item (
    id          bigserial primary key,
    tenant_id   bigint      not null references tenant (id),
    channel     text        not null,
    kind        text        not null,
    payload     jsonb       not null,
    fingerprint bytea       not null,                        -- SHA-256 of kind and payload: re-deliveries keep one row
    received_at timestamptz not null default now(),
    unique (tenant_id, channel, fingerprint)
);

-- Append-only trail. tenant_id is null where the tenant is not known (e.g. a forged webhook).
create table audit_entry (
    id              bigserial primary key,
    tenant_id       bigint      references tenant (id),
    at              timestamptz not null default now(),
    type            text        not null,
    actor           text,
    channel         text,
    phone           text,
    source_address  text,
    detail          jsonb       not null default '{}'
);
create index audit_tenant_at on audit_entry (tenant_id, at);
