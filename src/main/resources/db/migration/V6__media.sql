-- Media as rows of their own: the resident's photo is downloaded after the webhook's commit and kept
-- in the media store (filesystem or S3); the manager's upload waits there to be sent. A media row is
-- the work item of its download too: pending rows are taken by one instance at a time under a lease
-- (lease_until) that a crash lets run out, and retried with backoff (next_attempt_at).

alter table channel add column mms boolean not null default false;   -- SMS: Twilio may carry MediaUrl

create table media (
    id                 uuid        primary key,
    tenant_id          bigint      not null references tenant (id),
    origin             text        not null check (origin in ('inbound', 'upload')),
    message_id         bigint      references message (id),           -- inbound: the message that carried it
    channel            text        check (channel in ('whatsapp', 'sms')),
    channel_id         bigint      references channel (id),           -- inbound: whose credentials fetch it
    position           smallint    not null default 0,
    kind               text        not null check (kind in ('image', 'document', 'audio', 'video', 'sticker')),
    mime_type          text,
    filename           text,
    caption            text,
    size               bigint,
    sha256             text,                                           -- hex of the stored bytes
    status             text        not null check (status in ('pending', 'stored', 'failed', 'rejected')),
    error_code         text,
    error_message      text,
    provider_media_id  text,                                           -- WhatsApp: Meta's media id
    provider_url       text,                                           -- Twilio MediaUrl, or Meta's short-lived url
    provider_sha256    text,                                           -- as the provider sent it (base64 or hex)
    storage_key        text        not null unique,                    -- MediaKeys: t<tenant>/<id>
    attempts           integer     not null default 0,
    next_attempt_at    timestamptz,
    lease_until        timestamptz,
    lease_owner        text,                                           -- the instance that took it last
    created_at         timestamptz not null default now(),
    stored_at          timestamptz
);
create index media_message on media (message_id) where message_id is not null;
create index media_due on media (next_attempt_at) where status = 'pending';
create index media_upload_age on media (created_at) where origin = 'upload';

-- An outbound message names the upload it sends; one upload may go to many residents.
alter table message add column media_id uuid references media (id);
create index message_media on message (media_id) where media_id is not null;

grant select, insert, update, delete on media to ${app_role};
alter table media enable row level security;
create policy tenant_isolation on media using (gateway_tenant_visible(tenant_id))
  with check (gateway_tenant_visible(tenant_id));

-- Messages stored before this version kept only the provider's references: queue them for download
-- (Meta keeps inbound media for a limited time only; what is gone ends failed, with the reason).
with refs as (
    select gen_random_uuid() as id, m.tenant_id, m.id as message_id, m.channel, c.id as channel_id,
           r.ordinality - 1 as position, m.type, r.ref
    from message m
    cross join lateral jsonb_array_elements(m.media) with ordinality as r(ref, ordinality)
    left join lateral (select c.id from channel c
                       where c.tenant_id = m.tenant_id and c.channel = m.channel and c.address = m.recipient
                       order by c.sandbox, c.id limit 1) c on true
    where m.direction = 'inbound' and jsonb_typeof(m.media) = 'array' and m.erased_at is null
)
insert into media (id, tenant_id, origin, message_id, channel, channel_id, position, kind, mime_type, filename,
                   caption, status, provider_media_id, provider_url, provider_sha256, storage_key, next_attempt_at)
select id, tenant_id, 'inbound', message_id, channel, channel_id, position,
       case when type in ('image', 'document', 'audio', 'video', 'sticker') then type else 'document' end,
       ref ->> 'mimeType', ref ->> 'filename', ref ->> 'caption', 'pending', ref ->> 'id', ref ->> 'url',
       ref ->> 'sha256', 't' || tenant_id || '/' || id, now()
from refs;
