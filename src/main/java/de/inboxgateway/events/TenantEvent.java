package de.inboxgateway.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import de.inboxgateway.support.Text;

/**
 * The fields of each event type, as they appear in a feed frame next to {@code id}, {@code type},
 * {@code tenant}, {@code at}, {@code conversationId} and {@code contact}. One record per type, so
 * every publisher of a type writes the same fields (README, "The live event feed").
 */
public sealed interface TenantEvent {

    /** The event's type on the wire, e.g. {@code messaging.status}. */
    String type();

    /** A short preview of a text for list views. */
    static String preview(String text) {
        return Text.truncate(text, 120);
    }

    record ConversationCreated(String channel, String phone) implements TenantEvent {
        public static final String TYPE = "conversation.created";

        public String type() {
            return TYPE;
        }
    }

    record Inbound(String channel, String phone, InboundMessage message) implements TenantEvent {
        public static final String TYPE = "messaging.inbound";

        public String type() {
            return TYPE;
        }
    }

    /** @param media the items as {@code MediaRow.view()} shows them (pending at first) */
    record InboundMessage(long id, String direction, String type, String providerMessageId, String textPreview,
                          String status, boolean hasMedia, List<Map<String, Object>> media, String providerTimestamp,
                          String profileName) {
        public static InboundMessage of(long id, String type, String providerMessageId, String text,
                                        List<Map<String, Object>> media, Instant providerTimestamp, String profileName) {
            return new InboundMessage(id, "inbound", type, providerMessageId, preview(text), "received", !media.isEmpty(),
                    media, providerTimestamp == null ? null : providerTimestamp.toString(), profileName);
        }
    }

    record Outbound(String channel, String phone, OutboundMessage message) implements TenantEvent {
        public static final String TYPE = "messaging.outbound";

        public String type() {
            return TYPE;
        }
    }

    record OutboundMessage(long id, String direction, String type, String kind, String textPreview, String status,
                           String sentBy, boolean hasMedia, List<Map<String, Object>> media) {
        /** A message just queued: a reply, or an opt-out confirmation. */
        public static OutboundMessage queued(long id, String type, String kind, String text, String sentBy,
                                             List<Map<String, Object>> media) {
            return new OutboundMessage(id, "outbound", type, kind, preview(text), "queued", sentBy, !media.isEmpty(), media);
        }
    }

    /** An outbound message moved: sent or failed after the provider call, or a provider's later status. */
    record Status(String channel, String phone, StatusMessage message) implements TenantEvent {
        public static final String TYPE = "messaging.status";

        public String type() {
            return TYPE;
        }

        public static Status of(String channel, String phone, long messageId, String status, String errorCode,
                                String errorReason, String providerMessageId) {
            return new Status(channel, phone, new StatusMessage(messageId, "outbound", status, errorCode, errorReason,
                    providerMessageId));
        }
    }

    record StatusMessage(long id, String direction, String status, String errorCode, String errorReason,
                         String providerMessageId) {
    }

    record OptOut(String channel, String phone, String source, String sourceMessageId) implements TenantEvent {
        public static final String TYPE = "messaging.optout";

        public String type() {
            return TYPE;
        }
    }

    record OptIn(String channel, String phone, String source, String consentedAt) implements TenantEvent {
        public static final String TYPE = "messaging.optin";

        public String type() {
            return TYPE;
        }
    }

    /** A media item ended: stored, failed or rejected. */
    record Media(String channel, String phone, Long messageId, Map<String, Object> media) implements TenantEvent {
        public static final String TYPE = "messaging.media";

        public String type() {
            return TYPE;
        }
    }

    /**
     * The conversation's work item changed: by a PATCH, or reopened by a new inbound message.
     * @param changed the names of the fields that changed ({@code status}, {@code externalRef}, {@code assignee})
     */
    record ConversationUpdated(String channel, String phone, String status, String externalRef, String assignee,
                               List<String> changed, String by) implements TenantEvent {
        public static final String TYPE = "conversation.updated";

        public String type() {
            return TYPE;
        }
    }

    /** Someone read the conversation: every inbound message up to {@code readUpTo} is read, nothing unread. */
    record ConversationRead(String channel, String phone, long readUpTo, int unreadCount, String by)
            implements TenantEvent {
        public static final String TYPE = "conversation.read";

        public String type() {
            return TYPE;
        }
    }

    /** Meta moved one of the tenant's templates (status webhook): its new status, and why if Meta said. */
    record TemplateStatus(String name, String language, String status, String event, String reason, String templateId,
                          String wabaId) implements TenantEvent {
        public static final String TYPE = "template.status";

        public String type() {
            return TYPE;
        }
    }

    /** A running broadcast moved (at most about once a second); {@code counts} by outcome. */
    record BroadcastProgress(long broadcastId, String name, String status, Map<String, Long> counts)
            implements TenantEvent {
        public static final String TYPE = "broadcast.progress";

        public String type() {
            return TYPE;
        }
    }

    /** A broadcast ended: every recipient has an outcome ({@code completed}), or it was cancelled. */
    record BroadcastCompleted(long broadcastId, String name, String status, Map<String, Long> counts)
            implements TenantEvent {
        public static final String TYPE = "broadcast.completed";

        public String type() {
            return TYPE;
        }
    }
}
