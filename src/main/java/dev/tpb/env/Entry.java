package dev.tpb.env;

import java.nio.file.Path;

/**
 * One entry of a packed environment, in archive terms.
 *
 * @param path    relative archive path ("lib/python3.11/os.py"), never absolute, never with ".."
 * @param source  where a FILE's bytes come from (null when {@code data} holds them)
 * @param data    generated or already transformed content (activate, patched interpreter), or null
 * @param mode    permission bits (rwx only)
 * @param mtime   whole seconds; kept from the source so .pyc files stay valid
 * @param link    SYMLINK target as stored, or the HARDLINK's earlier entry
 * @param fileKey identity of the source file (device, inode) for hard-link detection, or null
 * @param script  a bin/ file whose shebang may point into the old prefix
 */
record Entry(String path, Type type, Path source, byte[] data, int mode, long mtime, long size, String link,
             Object fileKey, boolean script) {

    enum Type { DIRECTORY, FILE, SYMLINK, HARDLINK }

    static Entry directory(String path, int mode, long mtime) {
        return new Entry(path, Type.DIRECTORY, null, null, mode, mtime, 0, null, null, false);
    }

    static Entry file(String path, Path source, int mode, long mtime, long size, Object fileKey) {
        return new Entry(path, Type.FILE, source, null, mode, mtime, size, null, fileKey,
                path.startsWith("bin/") && path.indexOf('/', 4) < 0);
    }

    static Entry generated(String path, byte[] data, int mode, long mtime) {
        return new Entry(path, Type.FILE, null, data, mode, mtime, data.length, null, null, false);
    }

    static Entry symlink(String path, String target, long mtime) {
        return new Entry(path, Type.SYMLINK, null, null, 0777, mtime, 0, target, null, false);
    }

    Entry asHardlinkTo(String first) {
        return new Entry(path, Type.HARDLINK, source, null, mode, mtime, 0, first, fileKey, false);
    }

    Entry withData(byte[] content) {
        return new Entry(path, Type.FILE, source, content, mode, mtime, content.length, null, null, false);
    }

    Entry movedTo(String newPath) {
        return new Entry(newPath, type, source, data, mode, mtime, size, link, fileKey, script);
    }

    boolean isFile() {
        return type == Type.FILE;
    }
}
