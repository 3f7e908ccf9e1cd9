-- The tenant event feed: each event is written in the transaction of the change it announces, with
-- an id that increases per tenant in commit order (ids are taken under the tenant row's lock just
-- before commit), so a client that resumes with ?since=<id> misses nothing and sees nothing twice.

alter table tenant add column event_seq bigint not null default 0;

create table tenant_event (
    tenant_id       bigint      not null references tenant (id),
    id              bigint      not null,
    type            text        not null,
    at              timestamptz not null default now(),
    conversation_id bigint,
    phone           text,                       -- joined to the contact when delivered
    payload         jsonb       not null,
    primary key (tenant_id, id)
);
create index tenant_event_at on tenant_event (at);
