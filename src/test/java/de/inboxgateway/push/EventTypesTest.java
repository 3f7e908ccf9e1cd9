package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import de.inboxgateway.events.TenantEvent;

/** A subscription may name every type the feed carries, read from TenantEvent itself. */
class EventTypesTest {

    @Test
    void everyTypeOfTheFeedIsKnown() {
        assertThat(EventTypes.known()).contains("conversation.created", "messaging.inbound", "messaging.outbound",
                "messaging.status", "messaging.optout", "messaging.optin", "messaging.media", "conversation.updated",
                "conversation.read", "template.status", "broadcast.progress", "broadcast.completed");
        assertThat(EventTypes.known()).hasSize(TenantEvent.class.getPermittedSubclasses().length);
    }
}
