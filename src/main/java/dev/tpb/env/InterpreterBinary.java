package dev.tpb.env;

import dev.tpb.TpbException;
import dev.tpb.elf.ElfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Makes an interpreter binary find its libpython wherever the environment is extracted, with no
 * LD_LIBRARY_PATH: search-path entries inside the old prefixes become {@code $ORIGIN/..}-relative (rewritten in
 * place, the string table keeps its size). When that does not fit, or the binary needs a libpython it has no
 * search path for, {@code bin/python3.X} becomes a small wrapper script and the binary sits beside it.
 */
final class InterpreterBinary {
    private static final Set<String> DEFAULT_LIB_DIRS = Set.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");

    private InterpreterBinary() {
    }

    /**
     * @param binary      the real interpreter file
     * @param name        its archive path, e.g. bin/python3.11
     * @param oldPrefixes install prefixes whose lib/ the binary may name (base prefix, env prefix)
     * @param libpython   where the libpython it was linked with lives, if shared
     */
    static List<Entry> entries(Path binary, String name, List<Path> oldPrefixes, Optional<Path> libpython,
                               List<String> warnings) {
        byte[] image;
        PosixFileAttributes attrs;
        try {
            image = Files.readAllBytes(binary);
            attrs = Files.readAttributes(binary, PosixFileAttributes.class);
        } catch (IOException e) {
            throw new TpbException("cannot read the interpreter " + binary + ": " + e.getMessage(), e);
        }
        int mode = TreeWalker.mode(attrs);
        long mtime = TreeWalker.seconds(attrs);
        Entry plain = Entry.generated(name, image, mode, mtime);
        if (!ElfFile.isElfMagic(image)) {
            return List.of(plain);
        }
        ElfFile elf = ElfFile.parse(binary.toString(), image);
        if (!elf.isDynamic()) {
            return List.of(plain);
        }
        boolean needsLibpython = elf.needed().stream().anyMatch(n -> n.startsWith("libpython"));
        Optional<String> searchPath = elf.runpath().or(elf::rpath);
        if (searchPath.isPresent()) {
            String relocated = relocate(searchPath.get(), oldPrefixes);
            if (relocated.equals(searchPath.get())) {
                return List.of(plain);
            }
            Optional<byte[]> patched = ElfFile.withSearchPath(binary.toString(), image, relocated);
            if (patched.isPresent()) {
                return List.of(Entry.generated(name, patched.get(), mode, mtime));
            }
            warnings.add(binary + ": its library search path '" + searchPath.get() + "' has no room for '"
                    + relocated + "'; " + name + " is a wrapper script that puts lib/ on LD_LIBRARY_PATH");
            return wrapped(name, image, mode, mtime);
        }
        if (needsLibpython && libpython.isPresent()
                && !DEFAULT_LIB_DIRS.contains(libpython.get().getParent().toString())) {
            warnings.add(binary + " names no library search path for " + libpython.get().getFileName() + "; "
                    + name + " is a wrapper script that puts lib/ on LD_LIBRARY_PATH");
            return wrapped(name, image, mode, mtime);
        }
        return List.of(plain);
    }

    /** Entries inside an old prefix become relative to the binary's directory (bin/), the rest stay. */
    static String relocate(String searchPath, List<Path> oldPrefixes) {
        Set<String> parts = new LinkedHashSet<>();
        for (String part : searchPath.split(":")) {
            String replaced = part;
            for (Path prefix : oldPrefixes) {
                String p = prefix.toString();
                if (part.equals(p) || part.startsWith(p + "/")) {
                    replaced = "$ORIGIN/.." + part.substring(p.length());
                    break;
                }
            }
            if (!replaced.isEmpty()) {
                parts.add(replaced);
            }
        }
        return String.join(":", parts);
    }

    private static List<Entry> wrapped(String name, byte[] image, int mode, long mtime) {
        String realName = name.substring(name.lastIndexOf('/') + 1) + "-bin";
        List<Entry> out = new ArrayList<>();
        out.add(Entry.generated(name + "-bin", image, mode, mtime));
        out.add(Entry.generated(name, Scripts.interpreterWrapper(realName), 0755, mtime));
        return out;
    }
}
