package de.inboxgateway.media;

import java.io.IOException;

/** The bytes went past {@code gateway.media.max-bytes}; nothing past the limit was read. */
public class MediaTooLargeException extends IOException {

    public MediaTooLargeException(long maxBytes) {
        super("the file is larger than " + maxBytes + " bytes (gateway.media.max-bytes)");
    }
}
