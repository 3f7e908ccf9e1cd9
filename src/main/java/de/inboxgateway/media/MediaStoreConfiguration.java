package de.inboxgateway.media;

import java.io.IOException;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import de.inboxgateway.config.GatewayProperties;

/** The one media store of this instance, chosen by {@code gateway.media.store}. */
@Configuration(proxyBeanMethods = false)
public class MediaStoreConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(MediaStoreConfiguration.class);

    @Bean
    MediaStore mediaStore(GatewayProperties properties) throws IOException {
        GatewayProperties.Media media = properties.getMedia();
        MediaStore store = switch (media.getStore()) {
            case "filesystem" -> new FilesystemMediaStore(Path.of(media.getDir()));
            case "s3" -> S3MediaStore.create(media.getS3());
            default -> throw new IllegalStateException("gateway.media.store must be 'filesystem' or 's3', not '"
                    + media.getStore() + "'");
        };
        LOG.info("media store: {} ({})", store.kind(), "s3".equals(store.kind())
                ? "bucket " + media.getS3().getBucket() : Path.of(media.getDir()).toAbsolutePath().normalize());
        return store;
    }
}
