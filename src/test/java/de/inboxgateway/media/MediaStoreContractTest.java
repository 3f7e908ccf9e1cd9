package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.testing.S3MockServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One contract for every {@link MediaStore}: the same assertions run against the filesystem store
 * and against the S3 store talking to a real S3 server (S3Mock, started in this JVM).
 */
class MediaStoreContractTest {

    private static final int MIB = 1024 * 1024;
    private static final String BUCKET = S3MockServer.BUCKET;

    private static S3Client s3; // a second, plain client: to look behind the store's back
    private static S3MediaStore s3Store;

    @BeforeAll
    static void startS3Mock() {
        String endpoint = S3MockServer.endpoint();
        GatewayProperties.Media.S3 settings = S3MockServer.settings();
        settings.setPartBytes(5 * MIB);
        s3Store = S3MediaStore.create(settings);
        s3 = S3MockServer.client();
    }

    @AfterAll
    static void closeStore() {
        if (s3Store != null) {
            s3Store.close();
        }
    }

    /** The assertions every store must pass. */
    abstract class Contract {

        abstract MediaStore store();

        /** Nothing of a write remains: no temporary file, no pending multipart upload. */
        abstract void assertNothingLeftBehind(String key) throws IOException;

        @Test
        void smallWriteReadsBackIdentically() throws IOException {
            String key = newKey(1);
            byte[] content = "hello, media".getBytes(StandardCharsets.UTF_8);
            store().write(key, new ByteArrayInputStream(content));
            assertThat(read(key)).isEqualTo(content);
        }

        @Test
        void emptyWriteReadsBackEmpty() throws IOException {
            String key = newKey(1);
            store().write(key, InputStream.nullInputStream());
            assertThat(store().exists(key)).isTrue();
            assertThat(read(key)).isEmpty();
        }

        @Test
        void largeWriteReadsBackIdentically() throws IOException {
            String key = newKey(1);
            byte[] content = random(12 * MIB, 42);
            // Short reads, like a network stream: the store must fill whole parts itself.
            store().write(key, new Trickle(content, 64 * 1024 - 1));
            assertSameBytes(read(key), content);
            assertNothingLeftBehind(key);
        }

        @Test
        void writingAgainReplaces() throws IOException {
            String key = newKey(1);
            store().write(key, new ByteArrayInputStream(random(7 * MIB, 1)));
            byte[] second = "second".getBytes(StandardCharsets.UTF_8);
            store().write(key, new ByteArrayInputStream(second));
            assertThat(read(key)).isEqualTo(second);
        }

        @Test
        void existsDeleteAndOpenAfterDelete() throws IOException {
            String key = newKey(1);
            assertThat(store().exists(key)).isFalse();
            store().write(key, new ByteArrayInputStream(new byte[] {1, 2, 3}));
            assertThat(store().exists(key)).isTrue();
            assertThat(store().delete(key)).isTrue();
            assertThat(store().exists(key)).isFalse();
            assertThat(store().delete(key)).isFalse();
            assertThatThrownBy(() -> store().open(key)).isInstanceOf(MediaStore.NotFoundException.class);
        }

        @Test
        void openOfAKeyNeverWrittenIsNotFound() {
            String key = newKey(1);
            assertThatThrownBy(() -> store().open(key))
                    .isInstanceOf(MediaStore.NotFoundException.class)
                    .hasMessageContaining(key);
        }

        @Test
        void aStreamFailingHalfwayLeavesNothing() throws IOException {
            String key = newKey(1);
            IOException boom = new IOException("the size cap, say");
            // 6 MiB: past the first 5 MiB part of the S3 store, so a multipart upload is under way.
            assertThatThrownBy(() -> store().write(key, new Failing(6 * MIB, boom))).isSameAs(boom);
            assertThat(store().exists(key)).isFalse();
            assertThatThrownBy(() -> store().open(key)).isInstanceOf(MediaStore.NotFoundException.class);
            assertNothingLeftBehind(key);
        }

        @Test
        void tenantsAreIndependent() throws IOException {
            UUID id = UUID.randomUUID();
            String one = MediaKeys.of(1, id);
            String two = MediaKeys.of(2, id);
            store().write(one, new ByteArrayInputStream("tenant one".getBytes(StandardCharsets.UTF_8)));
            assertThat(store().exists(two)).isFalse();
            store().write(two, new ByteArrayInputStream("tenant two".getBytes(StandardCharsets.UTF_8)));
            assertThat(new String(read(one), StandardCharsets.UTF_8)).isEqualTo("tenant one");
            assertThat(new String(read(two), StandardCharsets.UTF_8)).isEqualTo("tenant two");
            assertThat(store().delete(one)).isTrue();
            assertThat(store().exists(one)).isFalse();
            assertThat(new String(read(two), StandardCharsets.UTF_8)).isEqualTo("tenant two");
        }

        @Test
        void invalidKeysAreRefused() {
            String uuid = UUID.randomUUID().toString();
            for (String bad : Stream.of("../x", "t1/../../etc", "t1/../t2/" + uuid, "/t1/" + uuid, "t1/" + uuid + "/x",
                    "t1/" + uuid.toUpperCase(), "t1\\" + uuid, "x1/" + uuid, "", null).toList()) {
                assertThatThrownBy(() -> store().write(bad, new ByteArrayInputStream(new byte[] {1})))
                        .as("write %s", bad).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store().open(bad)).as("open %s", bad).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store().exists(bad)).as("exists %s", bad).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store().delete(bad)).as("delete %s", bad).isInstanceOf(IllegalArgumentException.class);
            }
        }

        byte[] read(String key) throws IOException {
            try (InputStream in = store().open(key)) {
                return in.readAllBytes();
            }
        }
    }

    @Nested
    class Filesystem extends Contract {

        /** A failed replacement leaves the file as it was (the rename happens only when the write is whole). */
        @Test
        void aFailedOverwriteKeepsTheOldObject() throws IOException {
            String key = newKey(1);
            byte[] old = "old".getBytes(StandardCharsets.UTF_8);
            store().write(key, new ByteArrayInputStream(old));
            IOException boom = new IOException("broken pipe");
            assertThatThrownBy(() -> store().write(key, new Failing(6 * MIB, boom))).isSameAs(boom);
            assertThat(read(key)).isEqualTo(old);
            assertNothingLeftBehind(key);
        }


        @TempDir
        Path root;

        private FilesystemMediaStore store;

        @Override
        MediaStore store() {
            if (store == null) {
                try {
                    store = new FilesystemMediaStore(root);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return store;
        }

        @Override
        void assertNothingLeftBehind(String key) throws IOException {
            Path tenantFolder = root.resolve(key).getParent();
            if (Files.isDirectory(tenantFolder)) {
                try (Stream<Path> files = Files.list(tenantFolder)) {
                    assertThat(files.map(p -> p.getFileName().toString()))
                            .as("files in %s", tenantFolder)
                            .allMatch(name -> name.equals(key.substring(key.indexOf('/') + 1)));
                }
            }
        }

        @Test
        void kind() {
            assertThat(store().kind()).isEqualTo("filesystem");
        }

        @Test
        void invalidKeysCreateNothing() throws IOException {
            invalidKeysAreRefused();
            try (Stream<Path> files = Files.walk(root)) {
                assertThat(files).containsExactly(root);
            }
        }
    }

    @Nested
    class S3 extends Contract {

        @Override
        MediaStore store() {
            return s3Store;
        }

        @Override
        void assertNothingLeftBehind(String key) {
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads())
                    .as("multipart uploads of %s", key).isEmpty();
        }

        @Test
        void kind() {
            assertThat(store().kind()).isEqualTo("s3");
        }

        @Test
        void aLargeWriteGoesUpInParts() throws IOException {
            String key = newKey(3);
            store().write(key, new ByteArrayInputStream(random(12 * MIB, 7)));
            // S3's ETag of a multipart object ends in -<number of parts>: 5 + 5 + 2 MiB.
            assertThat(s3.headObject(b -> b.bucket(BUCKET).key(key)).eTag()).endsWith("-3\"");
        }

        @Test
        void aSmallWriteIsOnePut() throws IOException {
            String key = newKey(3);
            store().write(key, new ByteArrayInputStream(random(5 * MIB - 1, 8)));
            assertThat(s3.headObject(b -> b.bucket(BUCKET).key(key)).eTag()).doesNotContain("-");
        }

        @Test
        void aMissingBucketSettingFailsFast() {
            GatewayProperties.Media.S3 settings = new GatewayProperties.Media.S3();
            assertThatThrownBy(() -> S3MediaStore.create(settings))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("gateway.media.s3.bucket");
        }
    }

    private static String newKey(long tenant) {
        return MediaKeys.of(tenant, UUID.randomUUID());
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Byte for byte, without printing megabytes when they differ. */
    private static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(actual, expected)).as("first differing byte").isEqualTo(-1);
    }

    /** Hands out at most {@code chunk} bytes per read. */
    private static final class Trickle extends ByteArrayInputStream {
        private final int chunk;

        Trickle(byte[] bytes, int chunk) {
            super(bytes);
            this.chunk = chunk;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, chunk));
        }
    }

    /** Yields {@code good} random bytes, then throws. */
    private static final class Failing extends InputStream {
        private final IOException failure;
        private final Random random = new Random(3);
        private long left;

        Failing(long good, IOException failure) {
            this.left = good;
            this.failure = failure;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                throw failure;
            }
            int n = (int) Math.min(len, Math.min(left, 64 * 1024));
            byte[] chunk = new byte[n];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, b, off, n);
            left -= n;
            return n;
        }
    }
}
