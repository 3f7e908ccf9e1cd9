package de.inboxgateway.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Rows;

/** The tenant's audit trail, oldest first, filtered by type and time. */
@Component("auditApi")
public class AuditApi {

    private final AuditLog audit;
    private final ObjectMapper mapper;
    private final GatewayProperties.Api paging;

    public AuditApi(AuditLog audit, ObjectMapper mapper, GatewayProperties properties) {
        this.audit = audit;
        this.mapper = mapper;
        this.paging = properties.getApi();
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                       @Header("type") String type, @Header("since") String since, @Header("limit") String limit) {
        Instant from = null;
        if (since != null && !since.isBlank()) {
            try {
                from = Instant.parse(since.strip());
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("since must be an ISO-8601 instant such as 2026-03-02T10:00:00Z");
            }
        }
        return Map.of("items", audit.list(principal.tenantId(), type == null || type.isBlank() ? null : type, from,
                Cursor.limit(limit, paging)).stream().map(row -> {
                    Map<String, Object> v = new LinkedHashMap<>(Rows.view(row));
                    try {
                        v.put("detail", mapper.readTree((String) row.get("detail")));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                    return v;
                }).toList());
    }
}
