package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The embedded default: files under {@code gateway.media.dir}, one folder per tenant. A file is
 * written to a temporary name in its final folder and renamed when complete, so a reader (or a
 * crash) never meets half a file.
 */
public class FilesystemMediaStore implements MediaStore {

    private final Path root;

    public FilesystemMediaStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
    }

    @Override
    public void write(String key, InputStream content) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                content.transferTo(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return Files.newInputStream(path(key));
        } catch (NoSuchFileException e) {
            throw new NotFoundException(key);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        return Files.deleteIfExists(path(key));
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public String kind() {
        return "filesystem";
    }

    private Path path(String key) {
        MediaKeys.check(key);
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) { // MediaKeys already rules this out; a second lock on the door
            throw new IllegalArgumentException("media key outside the store: " + key);
        }
        return p;
    }
}
