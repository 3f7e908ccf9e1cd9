package de.inboxgateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.media.MediaLinks;
import de.inboxgateway.media.MediaNames;
import de.inboxgateway.media.MediaRepository;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.MediaStore;
import de.inboxgateway.media.MediaTooLargeException;
import de.inboxgateway.media.MediaTypes;
import de.inboxgateway.media.MediaUploads;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.GatewayExchange;

/**
 * The media API's edges: the bytes of a stored item (by id with an API key, or by a signed link with
 * none), links, and uploads. Bytes are streamed from the store to the caller; what a browser could
 * run is never served as itself or inline.
 */
@Component("mediaApi")
public class MediaApi {

    private final MediaRepository media;
    private final MediaStore store;
    private final MediaLinks links;
    private final MediaUploads uploads;
    private final GatewayProperties.Media settings;

    public MediaApi(MediaRepository media, MediaStore store, MediaLinks links, MediaUploads uploads,
                    GatewayProperties properties) {
        this.media = media;
        this.store = store;
        this.links = links;
        this.uploads = uploads;
        this.settings = properties.getMedia();
    }

    /** {@code GET /api/v1/media/{id}}. */
    public void get(Exchange exchange, @ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                    @Header("id") String id) throws IOException {
        serve(exchange, stored(find(principal.tenantId(), id)));
    }

    /** {@code POST /api/v1/media/{id}/link}. */
    public Object link(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        MediaRow row = stored(find(principal.tenantId(), id));
        MediaLinks.Link link = links.create(row.tenantId(), row.id(), settings.getLinkTtl());
        return Map.of("url", link.url(), "expiresAt", link.expiresAt().toString());
    }

    /** {@code GET|HEAD /media/{token}}: no header needed; an unknown, forged or expired token is 404. */
    public void byLink(Exchange exchange, @Header("token") String token) throws IOException {
        MediaLinks.Target target = links.verify(token)
                .orElseThrow(() -> ApiException.notFound("no such media link, or it has expired"));
        TenantScope.bind(exchange, target.tenantId()); // the token names the tenant, signed
        MediaRow row = media.find(target.tenantId(), target.mediaId()).filter(MediaRow::stored)
                .orElseThrow(() -> ApiException.notFound("no such media link, or it has expired"));
        serve(exchange, row);
    }

    /** {@code POST /api/v1/media}: the raw body, type from the bytes, optional {@code ?filename=}. */
    public Reply upload(Exchange exchange, @ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                        @Header("Content-Type") String contentType, @Header("filename") String filename) throws IOException {
        HttpServletRequest request = exchange.getMessage().getHeader("CamelHttpServletRequest", HttpServletRequest.class);
        InputStream body = request == null ? null : (InputStream) request.getAttribute(MediaUploadFilter.BODY);
        if (body == null) {
            throw ApiException.invalid("send the file as the request body");
        }
        if (contentType == null || contentType.isBlank()) {
            throw new ApiException(415, "MEDIA_TYPE_NOT_SUPPORTED", "send the file's Content-Type");
        }
        MediaRow row;
        try {
            row = uploads.upload(principal.tenantId(), body, contentType, filename);
        } catch (MediaTooLargeException e) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE", e.getMessage());
        } catch (MediaUploads.UnsupportedTypeException e) {
            throw new ApiException(415, "MEDIA_TYPE_NOT_SUPPORTED", e.getMessage());
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", row.id().toString());
        v.put("kind", row.kind());
        v.put("mimeType", row.mimeType());
        v.put("filename", row.filename());
        v.put("size", row.size());
        v.put("sha256", row.sha256());
        v.put("status", row.status());
        return Reply.created(v);
    }

    private MediaRow find(long tenantId, String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.notFound("no media " + id);
        }
        return media.find(tenantId, uuid).orElseThrow(() -> ApiException.notFound("no media " + id));
    }

    private static MediaRow stored(MediaRow row) {
        if (!row.stored()) {
            throw ApiException.conflict("MEDIA_NOT_STORED", "media " + row.id() + " is " + row.status()
                    + (row.errorMessage() == null ? "" : " (" + row.errorMessage() + ")"));
        }
        return row;
    }

    /** The answer: headers that keep a browser safe, and the bytes as a stream (none for HEAD or a cached copy). */
    private void serve(Exchange exchange, MediaRow row) throws IOException {
        var message = exchange.getMessage();
        String method = message.getHeader(Exchange.HTTP_METHOD, String.class);
        String etag = "\"" + row.sha256() + "\"";
        boolean notModified = etag.equals(message.getHeader("If-None-Match", String.class));
        // Camel's HTTP header filter drops Content-Length and Cache-Control: those go on the response itself.
        jakarta.servlet.http.HttpServletResponse response =
                message.getHeader("CamelHttpServletResponse", jakarta.servlet.http.HttpServletResponse.class);
        InputStream bytes = null;
        if (!notModified && !"HEAD".equals(method)) {
            try {
                bytes = store.openFor(exchange, row.storageKey()); // first: a missing file leaves no 200 headers
            } catch (MediaStore.NotFoundException e) {
                throw ApiException.notFound("the file of media " + row.id() + " is missing from the store");
            }
        }
        message.removeHeaders("*");
        String type = MediaTypes.servedAs(row.mimeType());
        boolean inline = !"document".equals(row.kind()) && MediaTypes.inline(type);
        message.setHeader(Exchange.CONTENT_TYPE, type);
        message.setHeader("ETag", etag);
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
        message.setHeader("Content-Disposition", MediaNames.contentDisposition(inline ? "inline" : "attachment",
                row.filename()));
        if (response != null) {
            response.setHeader("Cache-Control", "private, max-age=300");
        }
        if (notModified) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 304);
            message.setBody(null);
            return;
        }
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        if (response != null) {
            response.setContentLengthLong(row.size());
        }
        message.setBody(bytes); // null for HEAD
    }
}
