package dev.tpb.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

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
    private final List<Path> copyRoots;
    private final BiPredicate<String, Boolean> skip;

    /**
     * @param root      the source directory (canonical)
     * @param base      archive path of {@code root} ("" for the prefix itself, "lib/python3.11" for a stdlib)
     * @param copyRoots directories outside the tree whose files may be copied in place of symlinks
     * @param skip      (archive path, is directory) → leave out (and, for a directory, everything below)
     */
    TreeWalker(Path root, String base, List<Path> copyRoots, BiPredicate<String, Boolean> skip) {
        this.root = root;
        this.base = base;
        this.copyRoots = copyRoots;
        this.skip = skip;
    }

    void walk(Consumer<Entry> out, Consumer<Outside> outside) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    String name = archivePath(dir);
                    if (name.isEmpty()) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (skip.test(name, true)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    out.accept(Entry.directory(name, mode(posix(dir, attrs)), seconds(attrs)));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String name = archivePath(file);
                    if (skip.test(name, false)) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (attrs.isSymbolicLink()) {
                        symlink(file, name, attrs, out, outside);
                    } else if (attrs.isRegularFile()) {
                        out.accept(Entry.file(name, file, mode(posix(file, attrs)), seconds(attrs), attrs.size(),
                                attrs.fileKey()));
                    }
                    // sockets, fifos and devices have no place in an environment archive
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + ": " + e.getMessage(), e);
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
        for (Path allowed : copyRoots) {
            if (real.startsWith(allowed) && Files.isRegularFile(real)) {
                PosixFileAttributes ta = Files.readAttributes(real, PosixFileAttributes.class);
                out.accept(Entry.file(name, real, mode(ta), seconds(ta), ta.size(), ta.fileKey()));
                return;
            }
        }
        outside.accept(new Outside(name, target.toString()));
    }

    private String archivePath(Path p) {
        String rel = root.relativize(p).toString();
        if (base.isEmpty()) {
            return rel;
        }
        return rel.isEmpty() ? base : base + "/" + rel;
    }

    /** The walk's attributes carry no permissions; ask for them (one more lstat). */
    private static BasicFileAttributes posix(Path p, BasicFileAttributes attrs) throws IOException {
        if (attrs instanceof PosixFileAttributes) {
            return attrs;
        }
        return Files.readAttributes(p, PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
