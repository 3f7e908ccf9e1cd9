-- Tenant isolation in the database itself. The gateway connects as ${app_role}, which owns no table,
-- so row-level security applies to it; Flyway migrates as the owner. Every transaction of the
-- gateway carries the tenant it works for in the setting gateway.tenant (TenantScope): a query that
-- forgets "where tenant_id = …" then returns nothing instead of another tenant's rows. '*' is the
-- gateway's own system work (loading channels, looking up an API key by its hash, admin, sweeps).

do $$
begin
  if not exists (select from pg_roles where rolname = '${app_role}') then
    create role ${app_role} login;
  end if;
end $$;

grant connect on database "${flyway:database}" to ${app_role};
grant usage on schema public to ${app_role};
grant select, insert, update, delete on tenant, channel, api_key, contact, contact_phone, conversation,
    message, message_status_event, optout, unrecognized_item, tenant_event to ${app_role};
-- The audit trail: append-only (the trigger of V4 refuses changes except the erasure's redaction).
grant select, insert, update on audit_entry to ${app_role};
grant usage, select on all sequences in schema public to ${app_role};

create function gateway_tenant_visible(row_tenant bigint) returns boolean language sql stable as $$
  select case coalesce(current_setting('gateway.tenant', true), '')
           when '*' then true
           when '' then false
           else row_tenant = current_setting('gateway.tenant', true)::bigint
         end
$$;

do $$
declare t text;
begin
  foreach t in array array['channel', 'api_key', 'contact', 'contact_phone', 'conversation', 'message',
                           'message_status_event', 'optout', 'unrecognized_item', 'tenant_event'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (gateway_tenant_visible(tenant_id)) '
                   || 'with check (gateway_tenant_visible(tenant_id))', t);
  end loop;
end $$;

-- Audit entries without a tenant (a forged webhook names none) may always be written, read only by
-- the system.
alter table audit_entry enable row level security;
create policy tenant_isolation on audit_entry using (gateway_tenant_visible(tenant_id))
  with check (tenant_id is null or gateway_tenant_visible(tenant_id));
