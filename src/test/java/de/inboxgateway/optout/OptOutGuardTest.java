package de.inboxgateway.optout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.Channel;

/** The opt-out gate without Spring or a database: who passes, who is stopped, and what is audited. */
class OptOutGuardTest {

    private final OptOutRepository optOuts = mock(OptOutRepository.class);
    private final AuditLog audit = mock(AuditLog.class);
    private final OptOutGuard guard = new OptOutGuard(optOuts, audit);

    private static OutboundMessage message(String kind, String text) {
        return OutboundMessage.KIND_OPTOUT_CONFIRMATION.equals(kind)
                ? OutboundMessage.optOutConfirmation(7, "mueller", Channel.SMS, 3, 11, "+4915209876543", text)
                : OutboundMessage.request(7, "mueller", Channel.SMS, 3, "+4915209876543", text, null, null, "api-key:1:erp",
                        null, null);
    }

    @Test
    void withoutAnActiveOptOutTheMessagePassesUnaudited() {
        OutboundMessage m = message(OutboundMessage.KIND_MESSAGE, "Hallo");
        assertThat(guard.check(m)).isSameAs(m);
        verifyNoInteractions(audit);
    }

    @Test
    void anActiveOptOutStopsTheSendAndRecordsWhoTriedWhat() {
        when(optOuts.isActive(7, Channel.SMS, "+4915209876543")).thenReturn(true);
        String longText = "x".repeat(200);
        assertThatThrownBy(() -> guard.check(message(OutboundMessage.KIND_MESSAGE, longText)))
                .isInstanceOfSatisfying(GatewayException.Refused.class, e -> {
                    assertThat(e.code()).isEqualTo("OPTOUT_ACTIVE");
                });
        ArgumentCaptor<AuditLog.Entry> entry = ArgumentCaptor.forClass(AuditLog.Entry.class);
        verify(audit).record(entry.capture());
        assertThat(entry.getValue().type()).isEqualTo("send.blocked-optout");
        assertThat(entry.getValue().phone()).isEqualTo("+4915209876543");
        assertThat((String) entry.getValue().detail().get("text")).hasSize(81).endsWith("…"); // 80 and an ellipsis
    }

    @Test
    void theOneConfirmationPassesAndThatIsAudited() {
        when(optOuts.isActive(7, Channel.SMS, "+4915209876543")).thenReturn(true);
        OutboundMessage confirmation = message(OutboundMessage.KIND_OPTOUT_CONFIRMATION, "Sie erhalten keine Nachrichten mehr");
        assertThat(guard.check(confirmation)).isSameAs(confirmation);
        ArgumentCaptor<AuditLog.Entry> entry = ArgumentCaptor.forClass(AuditLog.Entry.class);
        verify(audit).record(entry.capture());
        assertThat(entry.getValue().type()).isEqualTo("optout.confirmation-passed");
    }
}
