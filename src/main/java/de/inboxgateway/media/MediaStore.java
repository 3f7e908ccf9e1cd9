package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the bytes of media live: the filesystem (one instance, the embedded default) or an
 * S3-compatible object store (several instances sharing their files). Keys are made by the gateway
 * ({@link MediaKeys}), never taken from a provider or a caller. Every method streams: no
 * implementation holds a whole file in memory.
 */
public interface MediaStore {

    /**
     * Stores everything the stream yields under {@code key}, atomically: a reader sees the whole
     * object or none. A failure while reading the stream (for example the size cap) leaves nothing
     * behind and is rethrown. Writing a key again replaces it.
     */
    void write(String key, InputStream content) throws IOException;

    /** The stored bytes; the caller closes the stream. */
    InputStream open(String key) throws IOException;

    /**
     * The stored bytes for as long as an exchange runs: closed when it completes, however it ends
     * (platform-http and camel-http read a stream body but never close it; an S3 connection would
     * otherwise stay taken).
     */
    default InputStream openFor(org.apache.camel.Exchange exchange, String key) throws IOException {
        InputStream in = open(key);
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(org.apache.camel.Exchange done) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
        });
        return in;
    }

    /** Removes the object; true if there was one. Removing a missing key is not an error. */
    boolean delete(String key) throws IOException;

    boolean exists(String key) throws IOException;

    /** {@code filesystem} or {@code s3}, for logs and health. */
    String kind();

    /** The key is not in the store. */
    class NotFoundException extends IOException {
        public NotFoundException(String key) {
            super("no media object " + key);
        }
    }
}
