package dev.tpb.env.archive;

import dev.tpb.TpbException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes entries below a root directory the way a careful extractor must (and as Triton r26.06+ does): names
 * that are absolute or contain {@code ..} are refused, nothing is written through a symlink (an entry below a
 * symlinked directory is refused, an existing symlink at the entry's own path is replaced, not followed), and
 * setuid/setgid/sticky bits are dropped. Directory modes and times are applied at the end.
 */
public final class DirWriter {
    private final Path root;
    private final Set<String> knownDirectories = new HashSet<>();
    private final List<DirectoryTimes> directories = new ArrayList<>();
    private final byte[] buffer = new byte[256 * 1024];

    private record DirectoryTimes(Path path, int mode, long mtime) {
    }

    public DirWriter(Path root) {
        this.root = root;
        knownDirectories.add("");
    }

    public void directory(String name, int mode, long mtime) throws IOException {
        String rel = check(name);
        if (rel.isEmpty()) {
            return;
        }
        Path dir = prepareParents(name, rel);
        if (Files.isSymbolicLink(dir) || (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir,
                LinkOption.NOFOLLOW_LINKS))) {
            Files.delete(dir);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
        }
        knownDirectories.add(rel);
        directories.add(new DirectoryTimes(dir, mode, mtime));
    }

    public void file(String name, int mode, long mtime, InputStream content, long size) throws IOException {
        Path file = replaceable(name);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(name + ": unexpected end of data (" + left + " bytes missing)");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        }
        finishFile(file, mode, mtime);
    }

    public void file(String name, int mode, long mtime, byte[] content, int length) throws IOException {
        Path file = replaceable(name);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(content, 0, length);
        }
        finishFile(file, mode, mtime);
    }

    /** A symlink is created as is (absolute and {@code ../} targets included); it is never followed later. */
    public void symlink(String name, String target, long mtime) throws IOException {
        Path link = replaceable(name);
        Files.createSymbolicLink(link, Path.of(target));
        setTime(link, mtime);
    }

    public void hardlink(String name, String target) throws IOException {
        String targetRel = check(target);
        Path existing = root.resolve(targetRel);
        checkParents(target, targetRel);
        if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
            throw new TpbException("entry '" + name + "' is a hard link to '" + target
                    + "', which is not a regular file extracted earlier");
        }
        Path link = replaceable(name);
        Files.createLink(link, existing);
    }

    /** Applies directory modes and times, deepest first (writing into a directory changes its mtime). */
    public void finish() throws IOException {
        for (int i = directories.size() - 1; i >= 0; i--) {
            DirectoryTimes d = directories.get(i);
            Files.setPosixFilePermissions(d.path, permissions(d.mode));
            setTime(d.path, d.mtime);
        }
    }

    /** The entry's path below the root, with "." and empty components removed; refuses unsafe names. */
    private String check(String name) {
        if (name.startsWith("/")) {
            throw new TpbException("refusing archive entry '" + name + "': the path is absolute");
        }
        StringBuilder rel = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new TpbException("refusing archive entry '" + name + "': the path contains '..'");
            }
            if (part.indexOf('\0') >= 0) {
                throw new TpbException("refusing archive entry '" + name + "': the path contains a NUL byte");
            }
            rel.append(rel.length() == 0 ? "" : "/").append(part);
        }
        return rel.toString();
    }

    /** The entry's own path, made ready for a new file or link: parents exist, any old leaf is gone. */
    private Path replaceable(String name) throws IOException {
        String rel = check(name);
        if (rel.isEmpty()) {
            throw new TpbException("refusing archive entry '" + name + "': it names the extraction directory");
        }
        Path path = prepareParents(name, rel);
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new TpbException("archive entry '" + name + "' would replace a directory extracted earlier");
        }
        Files.deleteIfExists(path);
        return path;
    }

    private Path prepareParents(String name, String rel) throws IOException {
        checkParents(name, rel);
        return root.resolve(rel);
    }

    /** Every parent must be a real directory below the root (created here when missing), never a symlink. */
    private void checkParents(String name, String rel) throws IOException {
        int slash = rel.lastIndexOf('/');
        if (slash < 0 || knownDirectories.contains(rel.substring(0, slash))) {
            return;
        }
        int from = 0;
        while (true) {
            int next = rel.indexOf('/', from);
            if (next < 0) {
                return;
            }
            String parent = rel.substring(0, next);
            if (!knownDirectories.contains(parent)) {
                Path dir = root.resolve(parent);
                if (Files.isSymbolicLink(dir)) {
                    throw new TpbException("refusing archive entry '" + name + "': it would be written through the "
                            + "symlink '" + parent + "'");
                }
                if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        throw new TpbException("refusing archive entry '" + name + "': '" + parent
                                + "' is not a directory");
                    }
                } else {
                    try {
                        Files.createDirectory(dir);
                    } catch (FileAlreadyExistsException e) {
                        // created concurrently by nobody else (the tree is private); fine
                    }
                }
                knownDirectories.add(parent);
            }
            from = next + 1;
        }
    }

    private void finishFile(Path file, int mode, long mtime) throws IOException {
        Files.setPosixFilePermissions(file, permissions(mode));
        setTime(file, mtime);
    }

    private static void setTime(Path path, long mtime) throws IOException {
        FileTime t = FileTime.from(mtime, java.util.concurrent.TimeUnit.SECONDS);
        try {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(t, null, null);
        } catch (IOException e) {
            if (!Files.isSymbolicLink(path)) {
                throw e;
            }
            // some file systems cannot set a symlink's own time; the link still works
        }
    }

    /** rwx bits only: setuid, setgid and sticky are never restored. */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                p.add(order[bit]);
            }
        }
        return p;
    }
}
