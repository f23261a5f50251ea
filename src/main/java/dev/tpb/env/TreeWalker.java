package dev.tpb.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Walks a source tree into archive entries without following symlinks: a symlinked directory (a venv's
 * {@code lib64 -> lib}) becomes one link entry, never entries below it. A symlink that points inside the tree
 * is kept (made relative when it was absolute); one that points outside is copied as a regular file when its
 * target lies below one of {@code copyRoots} (the base interpreter's install, conda's package cache), and
 * reported otherwise.
 */
final class TreeWalker {
    /** A symlink that leaves the tree and is not a base-interpreter file. */
    record Outside(String path, String target) {
    }

    private final Path root;
    private final String base;
    private final Supplier<List<Path>> copyRoots;
    private final BiPredicate<String, Boolean> skip;

    /**
     * @param root      the source directory (canonical)
     * @param base      archive path of {@code root} ("" for the prefix itself, "lib/python3.11" for a stdlib)
     * @param copyRoots directories outside the tree whose files may be copied in place of symlinks (asked for only
     *                  when a symlink leads out of the tree)
     * @param skip      (archive path, is directory) → leave out (and, for a directory, everything below)
     */
    TreeWalker(Path root, String base, Supplier<List<Path>> copyRoots, BiPredicate<String, Boolean> skip) {
        this.root = root;
        this.base = base;
        this.copyRoots = copyRoots;
        this.skip = skip;
    }

    void walk(Consumer<Entry> out, Consumer<Outside> outside) {
        try {
            if (!base.isEmpty()) { // a tree placed below the archive root (a stdlib) has an entry of its own
                PosixFileAttributes attrs = Files.readAttributes(root, PosixFileAttributes.class);
                if (skip.test(base, true)) {
                    return;
                }
                out.accept(Entry.directory(base, mode(attrs), seconds(attrs)));
            }
            walkDirectory(root, "", out, outside);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * One lstat per entry (the directory listing gives the names; the POSIX attributes carry type, mode, size,
     * mtime and file key), names built by appending: walkFileTree's attributes lack the mode, which cost every
     * entry a second lstat.
     */
    private void walkDirectory(Path dir, String relative, Consumer<Entry> out, Consumer<Outside> outside)
            throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String childRelative = relative.isEmpty() ? child.getFileName().toString()
                        : relative + "/" + child.getFileName();
                String name = base.isEmpty() ? childRelative : base + "/" + childRelative;
                PosixFileAttributes attrs = Files.readAttributes(child, PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attrs.isDirectory()) {
                    if (!skip.test(name, true)) {
                        out.accept(Entry.directory(name, mode(attrs), seconds(attrs)));
                        walkDirectory(child, childRelative, out, outside);
                    }
                } else if (!skip.test(name, false)) {
                    if (attrs.isSymbolicLink()) {
                        symlink(child, name, attrs, out, outside);
                    } else if (attrs.isRegularFile()) {
                        out.accept(Entry.file(name, child, mode(attrs), seconds(attrs), attrs.size(),
                                attrs.fileKey()));
                    }
                    // sockets, fifos and devices have no place in an environment archive
                }
            }
        }
    }

    private void symlink(Path file, String name, BasicFileAttributes attrs, Consumer<Entry> out,
                         Consumer<Outside> outside) throws IOException {
        Path target = Files.readSymbolicLink(file);
        Path resolved = file.getParent().resolve(target).normalize();
        if (resolved.startsWith(root)) {
            String link = target.isAbsolute() ? file.getParent().relativize(resolved).toString() : target.toString();
            out.accept(Entry.symlink(name, link.isEmpty() ? "." : link, seconds(attrs)));
            return;
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            outside.accept(new Outside(name, target.toString()));
            return;
        }
        if (real.startsWith(root) && !Files.isDirectory(real)) {
            // e.g. a link into a directory of this tree reached through another symlink: store the link relative
            out.accept(Entry.symlink(name, file.getParent().relativize(real).toString(), seconds(attrs)));
            return;
        }
        for (Path allowed : copyRoots.get()) {
            if (real.startsWith(allowed) && Files.isRegularFile(real)) {
                PosixFileAttributes ta = Files.readAttributes(real, PosixFileAttributes.class);
                out.accept(Entry.file(name, real, mode(ta), seconds(ta), ta.size(), ta.fileKey()));
                return;
            }
        }
        outside.accept(new Outside(name, target.toString()));
    }

    static long seconds(BasicFileAttributes attrs) {
        return Math.floorDiv(attrs.lastModifiedTime().toMillis(), 1000);
    }

    static int mode(BasicFileAttributes attrs) {
        if (attrs instanceof PosixFileAttributes posix) {
            return mode(posix.permissions());
        }
        return attrs.isDirectory() ? 0755 : 0644;
    }

    static int mode(java.util.Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return m;
    }
}
