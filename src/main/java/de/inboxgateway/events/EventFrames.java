package de.inboxgateway.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

/**
 * The one JSON form of a tenant event, as the WebSocket feed sends it as a frame and the ERP push
 * POSTs it as a body: {@code {"id","type","tenant","at","conversationId","contact", …payload}}.
 */
@Component
public class EventFrames {

    private final ObjectMapper mapper;

    public EventFrames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public String render(String tenantSlug, EventLog.StoredEvent event) {
        try {
            ObjectNode node = mapper.createObjectNode();
            node.put("id", event.id());
            node.put("type", event.type());
            node.put("tenant", tenantSlug);
            node.put("at", event.at().toString());
            if (event.conversationId() == null) {
                node.putNull("conversationId");
            } else {
                node.put("conversationId", event.conversationId());
            }
            if (event.contactExternalId() == null) {
                node.putNull("contact");
            } else {
                node.putObject("contact").put("externalId", event.contactExternalId()).put("name", event.contactName())
                        .put("role", event.contactRole());
            }
            JsonNode payload = mapper.readTree(event.payload());
            payload.fields().forEachRemaining(f -> node.set(f.getKey(), f.getValue()));
            return mapper.writeValueAsString(node);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
