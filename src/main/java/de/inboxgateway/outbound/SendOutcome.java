package de.inboxgateway.outbound;

/** The stored result of one send attempt, as the API reports it. */
public record SendOutcome(long messageId, long conversationId, String status, String providerMessageId,
                          String errorCode, String errorMessage, String errorReason, boolean replayed) {
}
