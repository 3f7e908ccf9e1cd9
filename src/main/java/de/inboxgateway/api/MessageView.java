package de.inboxgateway.api;

import java.util.LinkedHashMap;
import java.util.Map;

import de.inboxgateway.threading.MessageRepository.MessageRow;

/** The public JSON shape of a message, shared by every endpoint that returns one. */
final class MessageView {

    private MessageView() {
    }

    static Map<String, Object> of(MessageRow m) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", m.id());
        v.put("direction", m.direction());
        v.put("type", m.type());
        v.put("text", m.text());
        v.put("media", m.media());
        v.put("data", m.data());
        v.put("replyTo", m.replyTo());
        v.put("profileName", m.profileName());
        v.put("status", m.status());
        v.put("providerMessageId", m.providerMessageId());
        v.put("createdAt", m.createdAt());
        v.put("providerTimestamp", m.providerTimestamp());
        v.put("statusUpdatedAt", m.statusUpdatedAt());
        v.put("error", m.errorCode() == null ? null : Map.of("code", m.errorCode(),
                "message", m.errorMessage() == null ? "" : m.errorMessage()));
        return v;
    }
}
