package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;

import org.apache.hc.core5.http.io.EofSensorInputStream;

/** Ending a provider's answer early. */
final class Streams {

    private Streams() {
    }

    /**
     * Drops the connection instead of closing the stream: Apache HttpClient's close() reads the rest
     * of the answer to reuse the connection, which is exactly what a size cap must not do.
     */
    static void abort(Object body) {
        try {
            if (body instanceof EofSensorInputStream sensor) {
                sensor.abort();
            } else if (body instanceof InputStream in) {
                in.close();
            }
        } catch (IOException ignored) {
            // the connection is gone either way
        }
    }
}
