package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;

/**
 * A manager's file on its way out: checked from its bytes while it streams into the store (type,
 * size), recorded as stored, sent by as many messages as like it; removed after a day if none did.
 */
@Service("mediaUploads")
public class MediaUploads {

    /** The file is not one WhatsApp can carry, or not what its Content-Type says. */
    public static class UnsupportedTypeException extends RuntimeException {
        public UnsupportedTypeException(String message) {
            super(message);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(MediaUploads.class);
    private final MediaRepository media;
    private final MediaStore store;
    private final Clock clock;
    private final GatewayProperties.Media settings;

    public MediaUploads(MediaRepository media, MediaStore store, Clock clock, GatewayProperties properties) {
        this.media = media;
        this.store = store;
        this.clock = clock;
        this.settings = properties.getMedia();
    }

    public MediaRow upload(long tenantId, InputStream body, String declaredType, String filename) throws IOException {
        UUID id = UUID.randomUUID();
        String key = MediaKeys.of(tenantId, id);
        String declared = MediaTypes.normalize(declaredType);
        String name = MediaNames.safe(filename);
        // The declared type's extension helps Tika tell a .docx from any other zip; the bytes still decide.
        String hint = name != null ? name : "upload" + extension(declared);
        MediaIngest.Ingested in = MediaIngest.into(store, key, body, settings.getMaxBytes(), hint, detected -> {
            if (!MediaTypes.sendable(detected)) {
                throw new UnsupportedTypeException("the file is " + detected + ", which WhatsApp cannot carry");
            }
            if (!MediaTypes.matches(declared, detected)) {
                throw new UnsupportedTypeException("the file is " + detected + ", not " + declared + " as its Content-Type says");
            }
        });
        if (in.size() == 0) {
            store.delete(key);
            throw new UnsupportedTypeException("the file is empty");
        }
        if (name == null) {
            name = MediaTypes.kind(in.detectedType()) + extension(in.detectedType());
        }
        try {
            return media.insertUpload(id, tenantId, MediaTypes.kind(in.detectedType()), in.detectedType(), name,
                    in.size(), in.sha256(), clock.instant());
        } catch (RuntimeException e) {
            store.delete(key); // the row is the only way to find the file: no row, no file
            throw e;
        }
    }

    /** The sweeper: uploads nobody sent within {@code gateway.media.upload-ttl} go, bytes first. */
    public int removeUnsent() {
        return TenantScope.asSystem(() -> {
            List<MediaRow> old = media.unsentUploads(clock.instant().minus(settings.getUploadTtl()), 500);
            int removed = 0;
            for (MediaRow row : old) {
                try {
                    if (media.deleteUnsentUpload(row.tenantId(), row.id())) {
                        store.delete(row.storageKey()); // the row is gone: nothing can reach the file any more
                        removed++;
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("unsent upload {} of tenant {} not removed yet: {}", row.id(), row.tenantId(), e.getMessage());
                }
            }
            if (removed > 0) {
                LOG.info("removed {} uploads that were never sent", removed);
            }
            return removed;
        });
    }

    private static String extension(String mime) {
        try {
            return mime == null ? "" : MimeTypes.getDefaultMimeTypes().forName(mime).getExtension();
        } catch (MimeTypeException e) {
            return "";
        }
    }
}
