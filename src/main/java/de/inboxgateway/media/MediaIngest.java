package de.inboxgateway.media;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Streams bytes into the media store once: the size cap is checked while reading (nothing past the
 * limit is read), the SHA-256 is computed on the way, and the type is detected from the first bytes
 * before anything is written, so a caller can refuse a file without it ever reaching the store.
 */
public final class MediaIngest {

    public record Ingested(long size, String sha256, String detectedType) {
    }

    private MediaIngest() {
    }

    /**
     * @param check sees the detected type before a byte is stored; it throws to refuse the file
     */
    public static Ingested into(MediaStore store, String key, InputStream raw, long maxBytes, String filename,
                                Consumer<String> check) throws IOException {
        Capped capped = new Capped(raw, maxBytes);
        MessageDigest sha = sha256();
        BufferedInputStream in = new BufferedInputStream(new DigestInputStream(capped, sha), MediaTypes.DETECTION_BYTES);
        in.mark(MediaTypes.DETECTION_BYTES);
        String detected = MediaTypes.detect(in, filename);
        in.reset();
        check.accept(detected);
        store.write(key, in);
        return new Ingested(capped.count, HexFormat.of().formatHex(sha.digest()), detected);
    }

    /** Whether Meta's (or anyone's) checksum names these bytes: hex or base64, as providers send either. */
    public static boolean sameSha256(String expected, String actualHex) {
        if (expected == null || expected.isBlank()) {
            return true;
        }
        String e = expected.strip().replace("\\/", "/");
        if (e.equalsIgnoreCase(actualHex)) {
            return true;
        }
        try {
            return java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(actualHex)).equals(e);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts what passes and fails on the first byte past the limit. */
    private static final class Capped extends FilterInputStream {
        private final long max;
        private long count;

        Capped(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            if (count >= max) {
                if (super.read() < 0) {
                    return -1;
                }
                throw new MediaTooLargeException(max);
            }
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (count >= max) {
                if (super.read() < 0) { // exactly at the limit is fine
                    return -1;
                }
                throw new MediaTooLargeException(max);
            }
            int n = super.read(b, off, (int) Math.min(len, max - count));
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("skip is not supported while ingesting media");
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
