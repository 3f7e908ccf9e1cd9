package de.inboxgateway.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import de.inboxgateway.media.MediaRepository;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.message.MessageRepository.MessageRow;

/**
 * The public JSON shape of a message, shared by every endpoint that returns one, with its media
 * items (one query for a whole page).
 */
@Component
class MessageView {

    private final MediaRepository media;

    MessageView(MediaRepository media) {
        this.media = media;
    }

    List<Map<String, Object>> of(long tenantId, List<MessageRow> rows) {
        Map<Long, List<MediaRow>> byMessage = media.forMessages(tenantId, rows.stream().map(MessageRow::id).toList());
        return rows.stream().map(m -> view(m, byMessage.getOrDefault(m.id(), List.of()))).toList();
    }

    Map<String, Object> of(long tenantId, MessageRow row) {
        return of(tenantId, List.of(row)).get(0);
    }

    private static Map<String, Object> view(MessageRow m, List<MediaRow> media) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", m.id());
        v.put("direction", m.direction());
        v.put("type", m.type());
        v.put("text", m.text());
        v.put("media", media.stream().map(MediaRow::view).toList());
        v.put("data", m.data());
        v.put("replyTo", m.replyTo());
        v.put("profileName", m.profileName());
        v.put("status", m.status());
        v.put("providerMessageId", m.providerMessageId());
        v.put("createdAt", m.createdAt());
        v.put("providerTimestamp", m.providerTimestamp());
        v.put("statusUpdatedAt", m.statusUpdatedAt());
        if (m.errorCode() == null) {
            v.put("error", null);
        } else {
            Map<String, Object> error = new java.util.LinkedHashMap<>();
            error.put("code", m.errorCode());
            error.put("message", m.errorMessage() == null ? "" : m.errorMessage());
            error.put("reason", m.errorReason()); // the gateway's reading of the provider's code
            v.put("error", error);
        }
        return v;
    }
}
