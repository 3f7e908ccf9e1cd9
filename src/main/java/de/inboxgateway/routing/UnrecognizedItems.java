package de.inboxgateway.routing;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.normalize.UnrecognizedItem;
import de.inboxgateway.support.Text;

/** The content-based router's "otherwise": kept in table {@code unrecognized_item} and logged. */
@Repository("unrecognizedItems")
public class UnrecognizedItems {

    private static final Logger LOG = LoggerFactory.getLogger(UnrecognizedItems.class);
    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public UnrecognizedItems(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    @Transactional
    public void keep(UnrecognizedItem item) {
        String payload;
        try {
            payload = Text.cleanJson(mapper.writeValueAsString(item.payload()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbc.update("""
                insert into unrecognized_item (tenant_id, channel, kind, payload, fingerprint)
                values (:tenant, :channel, :kind, cast(:payload as jsonb), sha256(convert_to(:kind || ' ' || :payload, 'UTF8')))
                on conflict (tenant_id, channel, fingerprint) do nothing""", new MapSqlParameterSource()
                .addValue("tenant", item.tenantId())
                .addValue("channel", item.channel().wire())
                .addValue("kind", item.kind())
                .addValue("payload", payload));
        LOG.warn("kept an unrecognized {} item of tenant {}: {}", item.channel(), item.tenant(), item.kind());
    }
}
