package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import de.inboxgateway.events.TenantEvent;

/** A subscription may name every type the feed carries, read from TenantEvent itself. */
class EventTypesTest {

    @Test
    void everyTypeOfTheFeedIsKnown() {
        assertThat(EventTypes.known()).contains("conversation.created", "messaging.inbound", "messaging.outbound",
                "messaging.status", "messaging.optout", "messaging.optin", "messaging.media");
        assertThat(EventTypes.known()).hasSize(TenantEvent.class.getPermittedSubclasses().length);
    }
}
