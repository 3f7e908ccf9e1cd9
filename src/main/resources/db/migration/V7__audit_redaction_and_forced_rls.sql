-- Hardening (issue 11): the gateway's role can no longer rewrite the audit trail, and row-level
-- security is forced on every tenant table.

-- Erasure's redaction of personal fields in audit entries, done by the schema owner. The gateway's
-- role could otherwise set gateway.audit_redaction itself and rewrite `detail` as it liked; now it
-- has no UPDATE on the table and can only call this, which removes exactly the personal fields of one
-- tenant's entries for one phone, and only for the tenant its connection is scoped to.
create function gateway_redact_audit(p_tenant bigint, p_phone text) returns integer
  language plpgsql security definer set search_path = public, pg_temp as $$
declare
  redacted integer;
begin
  if p_tenant is null or not gateway_tenant_visible(p_tenant) then
    raise exception 'audit redaction only for the tenant of the connection';
  end if;
  perform set_config('gateway.audit_redaction', 'on', true);
  update audit_entry set detail = detail - 'text' - 'note' - 'source' || '{"personalContentErased": true}'
   where tenant_id = p_tenant and phone = p_phone
     and (detail -> 'text' is not null or detail -> 'note' is not null or detail -> 'source' is not null);
  get diagnostics redacted = row_count;
  perform set_config('gateway.audit_redaction', 'off', true);
  return redacted;
end $$;
revoke all on function gateway_redact_audit(bigint, text) from public;
grant execute on function gateway_redact_audit(bigint, text) to ${app_role};
revoke update on audit_entry from ${app_role};

-- Forced as well as enabled, on every table that has a tenant_id: then not even a table owner
-- escapes the policy, and the catalog check in the tests covers every new table by itself.
do $$
declare t text;
begin
  for t in select c.relname from pg_class c
             join pg_namespace n on n.oid = c.relnamespace
             join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where n.nspname = current_schema() and c.relkind = 'r' loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
  end loop;
end $$;
