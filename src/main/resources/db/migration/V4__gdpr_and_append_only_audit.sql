-- GDPR duties: erasure marks on messages, and an audit trail the gateway cannot rewrite.

alter table message add column erased_at timestamptz;

-- Append-only audit trail. The one exception is the erasure of personal content (Art. 17), done
-- by the erasure endpoint in a transaction that sets gateway.audit_redaction = 'on': it may clear
-- personal fields of an entry, never change what happened, when, by whom, or delete an entry.
create function audit_entry_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'audit_entry is append-only: entries cannot be deleted';
  end if;
  if coalesce(current_setting('gateway.audit_redaction', true), '') <> 'on'
     or new.id <> old.id or new.tenant_id is distinct from old.tenant_id or new.at <> old.at
     or new.type <> old.type or new.actor is distinct from old.actor or new.channel is distinct from old.channel
     or new.phone is distinct from old.phone or new.source_address is distinct from old.source_address then
    raise exception 'audit_entry is append-only: entries cannot be changed';
  end if;
  return new;
end $$;

create trigger audit_entry_append_only before update or delete on audit_entry
  for each row execute function audit_entry_append_only();
