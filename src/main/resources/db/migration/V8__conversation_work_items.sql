-- Conversations as work items: the inbox closes a conversation when the case is done, links it to
-- the ERP's case, shows who handles it, and counts what nobody has read yet.
--
-- unreadCount is not a counter kept on the inbound path (that would add a write to every webhook):
-- it is counted from the messages after read_up_to, the newest inbound message id at the last read.

alter table conversation
    add column status        text        not null default 'open' check (status in ('open', 'closed')),
    add column external_ref  text,                                  -- the ERP's case, e.g. ANF-2026-0042
    add column assignee      text,
    add column read_up_to    bigint,                                -- message id: inbound up to here is read
    add column read_at       timestamptz,
    -- WhatsApp read receipt: the message it was sent for, and how Meta answered (sent | failed)
    add column receipt_message_id  bigint,
    add column receipt_status      text check (receipt_status in ('sent', 'failed')),
    add column receipt_error       text,
    add column receipt_at          timestamptz;

create index conversation_external_ref on conversation (tenant_id, external_ref) where external_ref is not null;
create index conversation_assignee on conversation (tenant_id, assignee) where assignee is not null;
