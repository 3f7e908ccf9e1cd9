package de.inboxgateway.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.conversation.ConversationRepository;

/** The 24 h service window, without Spring or a database: the rule, its edges, and what a refusal records. */
class WindowGuardTest {

    private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    private final ConversationRepository conversations = mock(ConversationRepository.class);
    private final AuditLog audit = mock(AuditLog.class);
    private final WindowGuard guard = new WindowGuard(conversations, audit, Clock.fixed(NOW, ZoneOffset.UTC));

    private static OutboundMessage message(Channel channel) {
        return OutboundMessage.request(7, "mueller", channel, 3, "+4917612345678", "Hallo", null, null, "api-key:1:erp",
                null, null);
    }

    @Test
    void theWindowIsOpenUntilJustBefore24Hours() {
        assertThat(WindowGuard.isOpen(NOW.minus(Duration.ofHours(23).plusMinutes(59)), NOW)).isTrue();
        assertThat(WindowGuard.isOpen(NOW.minus(Duration.ofHours(24)).plusMillis(1), NOW)).isTrue();
        assertThat(WindowGuard.isOpen(NOW.minus(Duration.ofHours(24)), NOW)).isFalse();
        assertThat(WindowGuard.isOpen(NOW.minus(Duration.ofHours(24).plusMinutes(1)), NOW)).isFalse();
        assertThat(WindowGuard.isOpen(null, NOW)).isFalse();
    }

    @Test
    void smsHasNoWindowAndIsNotLookedUp() {
        OutboundMessage m = message(Channel.SMS);
        assertThat(guard.check(m)).isSameAs(m);
        verifyNoInteractions(conversations, audit);
    }

    @Test
    void aWhatsappReplyInsideTheWindowPasses() {
        when(conversations.lastInboundAt(7, Channel.WHATSAPP, "+4917612345678"))
                .thenReturn(Optional.of(NOW.minus(Duration.ofHours(23))));
        OutboundMessage m = message(Channel.WHATSAPP);
        assertThat(guard.check(m)).isSameAs(m);
        verify(audit, never()).record(any());
    }

    @Test
    void outsideTheWindowTheSendIsRefusedAndAudited() {
        Instant last = NOW.minus(Duration.ofHours(25));
        when(conversations.lastInboundAt(7, Channel.WHATSAPP, "+4917612345678")).thenReturn(Optional.of(last));
        assertThatThrownBy(() -> guard.check(message(Channel.WHATSAPP)))
                .isInstanceOfSatisfying(GatewayException.Refused.class, e -> {
                    assertThat(e.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
                    assertThat(e.getMessage()).contains(last.toString());
                });
        ArgumentCaptor<AuditLog.Entry> entry = ArgumentCaptor.forClass(AuditLog.Entry.class);
        verify(audit).record(entry.capture());
        assertThat(entry.getValue().type()).isEqualTo("send.blocked-window");
        assertThat(entry.getValue().actor()).isEqualTo("api-key:1:erp");
        assertThat(entry.getValue().detail().get("lastInboundAt")).isEqualTo(last.toString());
    }

    @Test
    void someoneWhoNeverWroteIsToldSo() {
        when(conversations.lastInboundAt(7, Channel.WHATSAPP, "+4917612345678")).thenReturn(Optional.empty());
        assertThatThrownBy(() -> guard.check(message(Channel.WHATSAPP)))
                .isInstanceOfSatisfying(GatewayException.Refused.class, e -> assertThat(e.getMessage()).contains("never written"));
    }
}
