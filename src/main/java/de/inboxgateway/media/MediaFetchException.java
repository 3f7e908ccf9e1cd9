package de.inboxgateway.media;

/**
 * A download the provider refused or could not serve. Transient ones (5xx, 429, a broken transfer, a
 * checksum that does not match) are tried again later; the others end the download as failed.
 */
public class MediaFetchException extends RuntimeException {

    private final boolean retryable;

    public MediaFetchException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    /** An HTTP answer that is not the file: 5xx and 429 are worth another try, other codes are not. */
    public static MediaFetchException of(String what, int status) {
        return new MediaFetchException(what + " answered HTTP " + status, status >= 500 || status == 429 || status == 408);
    }

    public boolean retryable() {
        return retryable;
    }
}
