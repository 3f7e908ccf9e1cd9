package de.inboxgateway.normalize;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A media attachment as the provider references it: a WhatsApp media id (fetched through the Graph
 * API) or a Twilio media URL. Fields a provider does not send stay null.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaRef(String id, String url, String mimeType, String sha256, String filename, String caption,
                       Boolean voice) {
}
