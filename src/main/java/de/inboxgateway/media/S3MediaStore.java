package de.inboxgateway.media;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import de.inboxgateway.config.GatewayProperties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Media in an S3-compatible object store (AWS S3, MinIO, Ceph): the store for several gateway
 * instances, which must all see the same files. A write is streamed as a multipart upload, so it
 * holds one part in memory however large the file; the object appears only when the upload is
 * completed, and a failed write is aborted, leaving nothing behind.
 */
public class S3MediaStore implements MediaStore, AutoCloseable {

    /** S3's smallest part (all but the last); MinIO and Ceph enforce the same. */
    static final int MIN_PART_BYTES = 5 * 1024 * 1024;

    private static final String OCTET_STREAM = "application/octet-stream";
    private static final int FIRST_BUFFER = 256 * 1024;

    private final S3Client client;
    private final String bucket;
    private final int partBytes;

    /** The store owns the client from now on: {@link #close()} closes it. */
    public S3MediaStore(S3Client client, String bucket, int partBytes) {
        this.client = Objects.requireNonNull(client, "client");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("no bucket for the S3 media store");
        }
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("part size " + partBytes + " is below S3's minimum of "
                    + MIN_PART_BYTES + " bytes (gateway.media.s3.part-bytes)");
        }
        this.bucket = bucket;
        this.partBytes = partBytes;
    }

    /** The store for {@code gateway.media.s3.*}, with its own client. */
    public static S3MediaStore create(GatewayProperties.Media.S3 settings) {
        if (settings.getBucket() == null || settings.getBucket().isBlank()) {
            throw new IllegalStateException("gateway.media.s3.bucket is not set: the S3 media store needs a bucket");
        }
        if (settings.getRegion() == null || settings.getRegion().isBlank()) {
            throw new IllegalStateException("gateway.media.s3.region is not set (any value, e.g. us-east-1, for MinIO or Ceph)");
        }
        if (settings.getPartBytes() < MIN_PART_BYTES) {
            throw new IllegalStateException("gateway.media.s3.part-bytes is " + settings.getPartBytes()
                    + ": S3 needs at least " + MIN_PART_BYTES + " bytes per part");
        }
        S3ClientBuilder builder = S3Client.builder()
                // netty is not on the classpath: name the sync HTTP client rather than let the SDK look for one
                .httpClientBuilder(ApacheHttpClient.builder())
                .region(Region.of(settings.getRegion()))
                .forcePathStyle(settings.isPathStyleAccess())
                // Since SDK 2.30 the client sends CRC32 checksums (aws-chunked, trailing headers) on every
                // upload and validates them on download by default. Many S3-compatible stores (older MinIO,
                // Ceph, others) reject or mangle those requests; only send checksums where S3 demands them.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.getAccessKey() != null && !settings.getAccessKey().isBlank()) {
            if (settings.getSecretKey() == null || settings.getSecretKey().isBlank()) {
                throw new IllegalStateException("gateway.media.s3.access-key is set but gateway.media.s3.secret-key is not");
            }
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.getAccessKey(), settings.getSecretKey())));
        } // else the SDK's default chain: environment, system properties, profile, web identity, instance role
        if (settings.getEndpoint() != null && !settings.getEndpoint().isBlank()) {
            builder.endpointOverride(URI.create(settings.getEndpoint()));
        }
        return new S3MediaStore(builder.build(), settings.getBucket(), settings.getPartBytes());
    }

    @Override
    public void write(String key, InputStream content) throws IOException {
        MediaKeys.check(key);
        // Small first, a whole part only once the file turns out larger: most media are photos of a
        // few hundred KB, and many writes at once must not each hold a part's worth of memory.
        byte[] buffer = new byte[Math.min(partBytes, FIRST_BUFFER)];
        int n = fill(content, buffer);
        if (n == buffer.length && buffer.length < partBytes) {
            buffer = java.util.Arrays.copyOf(buffer, partBytes); // the only buffer of this write from here on
            n += fill(content, buffer, n);
        }
        if (n < buffer.length) { // the whole stream fits in one part: one plain PUT
            try {
                client.putObject(b -> b.bucket(bucket).key(key).contentType(OCTET_STREAM), body(buffer, n));
            } catch (SdkException e) {
                throw failure("write", key, e);
            }
            return;
        }
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(OCTET_STREAM)).uploadId();
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            while (n > 0) {
                int partNumber = parts.size() + 1;
                int length = n;
                String etag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) length), body(buffer, length)).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                n = n < buffer.length ? 0 : fill(content, buffer); // a short part was the last one
            }
            client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (IOException | RuntimeException | Error e) {
            abort(key, uploadId, e);
            if (e instanceof SdkException sdk) {
                throw failure("write", key, sdk);
            }
            throw e;
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        MediaKeys.check(key);
        try {
            return new Released(client.getObject(b -> b.bucket(bucket).key(key)));
        } catch (S3Exception e) {
            if (missingKey(e)) {
                throw new NotFoundException(key);
            }
            throw failure("open", key, e);
        } catch (SdkException e) {
            throw failure("open", key, e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        MediaKeys.check(key);
        if (!exists(key)) {
            return false;
        }
        try {
            client.deleteObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        MediaKeys.check(key);
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (missingKey(e)) {
                return false;
            }
            throw failure("look up", key, e);
        } catch (SdkException e) {
            throw failure("look up", key, e);
        }
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public void close() {
        client.close();
    }

    /** Reads until the buffer is full or the stream ends: S3 wants full parts but the last. */
    private static int fill(InputStream in, byte[] buffer) throws IOException {
        return fill(in, buffer, 0);
    }

    /** Reads until the buffer is full from {@code from} on, or the stream ends; how many bytes were added. */
    private static int fill(InputStream in, byte[] buffer, int from) throws IOException {
        int n = from;
        while (n < buffer.length) {
            int read = in.read(buffer, n, buffer.length - n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        return n - from;
    }

    /**
     * The object's stream; closing it early drops its connection (a caller that gave up, a reader
     * that hung up) instead of reading the rest to return it to the pool, and closing it at the end
     * returns the connection. Without this, 50 interrupted reads would hold the client's whole pool.
     */
    private static final class Released extends java.io.FilterInputStream {
        private final software.amazon.awssdk.core.ResponseInputStream<?> response;
        private boolean atEnd;

        Released(software.amazon.awssdk.core.ResponseInputStream<?> response) {
            super(response);
            this.response = response;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            atEnd |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            atEnd |= n < 0;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (!atEnd) {
                response.abort();
            }
            super.close();
        }
    }

    /**
     * The first {@code length} bytes of the buffer, without copying them: the SDK opens a fresh
     * stream for each attempt (signing, retries), and the call returns before the buffer is refilled.
     */
    private static RequestBody body(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length, OCTET_STREAM);
    }

    private void abort(String key, String uploadId, Throwable cause) {
        try {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException e) { // the bucket's lifecycle rule for incomplete uploads is the last resort
            cause.addSuppressed(e);
        }
    }

    /** 404 for the key; a missing bucket is a configuration error and stays one. */
    private static boolean missingKey(S3Exception e) {
        if (e instanceof NoSuchKeyException) {
            return true;
        }
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return e.statusCode() == 404 && !"NoSuchBucket".equals(code);
    }

    private IOException failure(String what, String key, SdkException e) {
        return new IOException("S3 media store: could not " + what + " " + key + " in bucket " + bucket + ": "
                + e.getMessage(), e);
    }
}
