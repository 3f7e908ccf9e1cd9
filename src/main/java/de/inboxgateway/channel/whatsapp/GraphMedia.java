package de.inboxgateway.channel.whatsapp;

import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.media.MediaDownloads;
import de.inboxgateway.media.MediaFetchException;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.MediaStore;
import de.inboxgateway.media.MediaTooLargeException;
import de.inboxgateway.media.ProviderAnswer;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.outbound.ProviderResult;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * WhatsApp media through the Graph API, the steps around camel-http in the media routes: the media
 * id becomes a short-lived URL ({@code GET /{version}/{media-id}}), the URL becomes bytes (with the
 * same bearer token), and an upload becomes Meta's media id ({@code POST /{phone-number-id}/media}).
 * The URL from the webhook is tried first; when it has expired, a fresh one is fetched by the id.
 */
@Component("graphMedia")
public class GraphMedia {

    /** Set when the URL the webhook carried has expired: fetch a fresh one and try once more. */
    public static final String URL_EXPIRED = "mediaUrlExpired";
    /** Set once a URL came from the lookup: an expired URL now is a transient failure, not a reason to look again. */
    private static final String LOOKED_UP = "mediaLookedUp";
    /** Outbound: Meta's id of the uploaded file. */
    public static final String UPLOADED_ID = "gateway.graphMediaId";
    private static final String USER_AGENT = "inbox-gateway";
    private final ChannelDirectory channels;
    private final ProviderEndpoints endpoints;
    private final ObjectMapper mapper;
    private final MediaStore store;
    private final long maxBytes;

    public GraphMedia(ChannelDirectory channels, ProviderEndpoints endpoints, ObjectMapper mapper, MediaStore store,
                      GatewayProperties properties) {
        this.channels = channels;
        this.endpoints = endpoints;
        this.mapper = mapper;
        this.store = store;
        this.maxBytes = properties.getMedia().getMaxBytes();
    }

    /** {@code GET {base}/{version}/{media-id}} with the channel's token. */
    public void lookup(Exchange exchange) {
        MediaRow job = exchange.getProperty(MediaDownloads.JOB, MediaRow.class);
        ChannelConfig channel = channel(job);
        if (job.providerMediaId() == null) {
            throw new MediaFetchException("the webhook named no media id and its URL is gone", false);
        }
        request(exchange, channel, endpoints.graphBaseUrl(channel) + "/" + endpoints.graphApiVersion() + "/"
                + encode(job.providerMediaId()) + "?phone_number_id=" + encode(channel.phoneNumberId()));
    }

    /** The lookup's answer: a fresh URL (and Meta's sha256, type and size); a file over the limit ends here. */
    public void readLookup(Exchange exchange) throws IOException {
        int status = ProviderAnswer.status(exchange);
        String raw = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(null);
        if (status < 200 || status >= 300) {
            throw MediaFetchException.of("the Graph API media lookup", status);
        }
        JsonNode json = mapper.readTree(raw == null ? "{}" : raw);
        String url = json.path("url").asText(null);
        if (url == null || !(url.startsWith("https://") || url.startsWith("http://"))) {
            throw new MediaFetchException("the Graph API media lookup returned no URL", true);
        }
        long size = json.path("file_size").asLong(-1); // a string or a number, as Meta sends either
        if (size > maxBytes) {
            throw new MediaTooLargeException(maxBytes);
        }
        exchange.setProperty(MediaDownloads.URL, url);
        exchange.setProperty(LOOKED_UP, true);
        exchange.setProperty(URL_EXPIRED, false);
        if (json.hasNonNull("sha256")) {
            exchange.setProperty(MediaDownloads.EXPECTED_SHA, json.path("sha256").asText());
        }
        if (json.hasNonNull("mime_type") && exchange.getProperty(MediaDownloads.DECLARED_TYPE) == null) {
            exchange.setProperty(MediaDownloads.DECLARED_TYPE, json.path("mime_type").asText());
        }
    }

    /** {@code GET <url>} with the same bearer token: without it Meta serves no file. */
    public void download(Exchange exchange) {
        MediaRow job = exchange.getProperty(MediaDownloads.JOB, MediaRow.class);
        ChannelConfig channel = channel(job);
        String url = exchange.getProperty(MediaDownloads.URL, String.class);
        ProviderAnswer.checkFetchable(url, endpoints.graphBaseUrl(channel));
        request(exchange, channel, url);
    }

    /** The bytes, or: an expired webhook URL (look up a fresh one), or a failure. */
    public void checkDownload(Exchange exchange) {
        int status = ProviderAnswer.status(exchange);
        if (status >= 200 && status < 300) {
            exchange.setProperty(URL_EXPIRED, false);
            return;
        }
        ProviderAnswer.discard(exchange);
        boolean expired = status == 401 || status == 403 || status == 404 || status == 410;
        if (expired && !exchange.getProperty(LOOKED_UP, false, Boolean.class)) {
            exchange.setProperty(URL_EXPIRED, true);
            exchange.setProperty(MediaDownloads.URL, null);
            return;
        }
        // A URL fresh from the lookup that fails anyway: Meta's side, worth another try later.
        throw new MediaFetchException("the Graph API media download answered HTTP " + status, expired || status >= 500
                || status == 429);
    }

    /**
     * Outbound: the upload of the message's file ({@code POST /{version}/{phone-number-id}/media},
     * multipart: messaging_product, type = the MIME type, file), streamed from the media store.
     */
    public void prepareUpload(Exchange exchange) throws IOException {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        MediaRow media = m.media();
        ChannelConfig channel = channels.byId(m.channelId())
                .orElseThrow(() -> ApiException.conflict("CHANNEL_NOT_CONFIGURED", "channel " + m.channelId() + " is gone"));
        InputStream file = store.openFor(exchange, media.storageKey());
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader("Authorization", "Bearer " + channel.secrets().accessToken());
        message.setHeader("User-Agent", USER_AGENT);
        message.setHeader(Exchange.HTTP_URI, endpoints.graphBaseUrl(channel) + "/" + endpoints.graphApiVersion() + "/"
                + encode(channel.phoneNumberId()) + "/media");
        // No charset parameter on multipart/form-data; the part's filename in plain ASCII (the name the
        // resident sees travels in the send request's "filename", in full).
        message.setBody(MultipartEntityBuilder.create()
                .setContentType(ContentType.create("multipart/form-data"))
                .addTextBody("messaging_product", "whatsapp")
                .addTextBody("type", media.mimeType())
                .addBinaryBody("file", file, ContentType.create(media.mimeType()),
                        media.filename() == null ? "file" : media.filename().replaceAll("[^\\x20-\\x7e]", "_").replace("\"", "_"))
                .build());
        exchange.setProperty("gateway.outboundBeforeUpload", m);
    }

    /** Meta's id of the uploaded file, or the upload's failure as the send's result (nothing was sent). */
    public Object uploadResult(Exchange exchange) throws IOException {
        OutboundMessage m = exchange.getProperty("gateway.outboundBeforeUpload", OutboundMessage.class);
        int status = ProviderAnswer.status(exchange);
        String raw = exchange.getMessage().getBody(String.class);
        exchange.getMessage().removeHeaders("*");
        JsonNode json = raw == null || raw.isBlank() ? mapper.createObjectNode() : mapper.readTree(raw);
        String id = json.path("id").asText(null);
        if (status >= 200 && status < 300 && id != null) {
            exchange.setProperty(UPLOADED_ID, id);
            return m;
        }
        JsonNode error = json.path("error");
        return ProviderResult.rejected(error.has("code") ? error.path("code").asText() : "HTTP_" + status,
                "the media upload failed before the send: " + error.path("message").asText("Graph API answered HTTP " + status));
    }

    private void request(Exchange exchange, ChannelConfig channel, String url) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(null);
        message.setHeader(Exchange.HTTP_METHOD, "GET");
        message.setHeader(Exchange.HTTP_URI, url);
        message.setHeader("Authorization", "Bearer " + channel.secrets().accessToken());
        message.setHeader("User-Agent", USER_AGENT); // downloads fail without one (protocols addendum §5.4)
    }

    private ChannelConfig channel(MediaRow job) {
        return channels.byId(job.channelId() == null ? -1 : job.channelId())
                .orElseThrow(() -> new MediaFetchException("the WhatsApp channel of this media is gone", false));
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
