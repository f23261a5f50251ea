package dev.tpb.elf;

import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dynamic section of a 64-bit little-endian ELF file (x86-64, aarch64): NEEDED, SONAME, RUNPATH and RPATH,
 * and an in-place rewrite of RUNPATH/RPATH. The dynamic string table is never resized, so a new search path
 * must fit in the bytes of the old one.
 */
public final class ElfFile {
    private static final int PT_LOAD = 1;
    private static final int PT_DYNAMIC = 2;
    private static final int SHT_DYNSYM = 11;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_STRTAB = 5;
    private static final long DT_STRSZ = 10;
    private static final long DT_SONAME = 14;
    private static final long DT_RPATH = 15;
    private static final long DT_RUNPATH = 29;
    private static final long DT_VERNEED = 0x6ffffffeL;
    private static final long DT_VERNEEDNUM = 0x6fffffffL;

    private final String name;
    private final ByteBuffer image;
    private final List<Dyn> dynamic = new ArrayList<>();
    private long strtabOffset = -1;
    private long strtabSize;

    private record Dyn(long tag, long value) {
    }

    private ElfFile(String name, ByteBuffer image) {
        this.name = name;
        this.image = image.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        parse();
    }

    /** True when the file starts with the ELF magic (any class or byte order). */
    public static boolean isElf(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            ch.read(magic, 0);
            return magic.position() == 4 && isElfMagic(magic.array());
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean isElfMagic(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /** Reads a file; a TpbException names it when it is not a 64-bit little-endian ELF file. */
    public static ElfFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new ElfFile(file.toString(), ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
        } catch (IOException e) {
            throw new TpbException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses an in-memory image; {@code name} is used in error messages. */
    public static ElfFile parse(String name, byte[] image) {
        return new ElfFile(name, ByteBuffer.wrap(image));
    }

    /** False for a statically linked file (no dynamic section). */
    public boolean isDynamic() {
        return strtabOffset >= 0;
    }

    public List<String> needed() {
        return strings(DT_NEEDED);
    }

    public Optional<String> soname() {
        return strings(DT_SONAME).stream().findFirst();
    }

    public Optional<String> runpath() {
        return strings(DT_RUNPATH).stream().findFirst();
    }

    public Optional<String> rpath() {
        return strings(DT_RPATH).stream().findFirst();
    }

    /**
     * Returns a copy of {@code image} whose RUNPATH and RPATH entries say {@code searchPath}, or empty when the
     * file has neither, or the new value does not fit in the old string, or the old string's bytes are shared
     * with another name in the string table (a linker may merge string tails). The rest of the string's old
     * bytes become NULs, so the table keeps its size and every other offset stays valid.
     */
    public static Optional<byte[]> withSearchPath(String name, byte[] image, String searchPath) {
        ElfFile elf = parse(name, image);
        byte[] value = searchPath.getBytes(StandardCharsets.UTF_8);
        List<Long> offsets = new ArrayList<>();
        for (Dyn d : elf.dynamic) {
            if (d.tag == DT_RUNPATH || d.tag == DT_RPATH) {
                offsets.add(d.value);
            }
        }
        if (offsets.isEmpty()) {
            return Optional.empty();
        }
        List<Long> others = elf.otherStringOffsets();
        byte[] copy = image.clone();
        for (long off : offsets) {
            int start = (int) (elf.strtabOffset + off);
            int oldLength = elf.stringAt(off).getBytes(StandardCharsets.UTF_8).length;
            if (value.length > oldLength) {
                return Optional.empty();
            }
            for (long other : others) {
                if (other > off && other <= off + oldLength) {
                    return Optional.empty();
                }
            }
            System.arraycopy(value, 0, copy, start, value.length);
            for (int i = start + value.length; i <= start + oldLength; i++) {
                copy[i] = 0;
            }
        }
        return Optional.of(copy);
    }

    private void parse() {
        if (image.limit() < 64 || !isElfMagic(head())) {
            throw new TpbException(name + " is not an ELF file");
        }
        if (image.get(4) != 2 || image.get(5) != 1) {
            throw new TpbException(name + " is not a 64-bit little-endian ELF file (class " + image.get(4)
                    + ", data " + image.get(5) + ")");
        }
        long phoff = image.getLong(0x20);
        int phentsize = Short.toUnsignedInt(image.getShort(0x36));
        int phnum = Short.toUnsignedInt(image.getShort(0x38));
        long dynOffset = -1;
        long dynSize = 0;
        for (int i = 0; i < phnum; i++) {
            int ph = checked(phoff + (long) i * phentsize, 56);
            if (image.getInt(ph) == PT_DYNAMIC) {
                dynOffset = image.getLong(ph + 8);
                dynSize = image.getLong(ph + 32);
            }
        }
        if (dynOffset < 0) {
            return;
        }
        long strtabAddr = -1;
        for (long p = dynOffset; p + 16 <= dynOffset + dynSize; p += 16) {
            int at = checked(p, 16);
            Dyn d = new Dyn(image.getLong(at), image.getLong(at + 8));
            if (d.tag == DT_NULL) {
                break;
            }
            dynamic.add(d);
            if (d.tag == DT_STRTAB) {
                strtabAddr = d.value;
            } else if (d.tag == DT_STRSZ) {
                strtabSize = d.value;
            }
        }
        if (strtabAddr < 0) {
            throw new TpbException(name + ": the dynamic section has no string table");
        }
        strtabOffset = fileOffset(strtabAddr, phoff, phentsize, phnum);
    }

    private byte[] head() {
        byte[] h = new byte[4];
        image.get(0, h);
        return h;
    }

    /** Virtual address to file offset through the PT_LOAD segment that contains it. */
    private long fileOffset(long vaddr, long phoff, int phentsize, int phnum) {
        for (int i = 0; i < phnum; i++) {
            int ph = checked(phoff + (long) i * phentsize, 56);
            if (image.getInt(ph) == PT_LOAD) {
                long offset = image.getLong(ph + 8);
                long start = image.getLong(ph + 16);
                long filesz = image.getLong(ph + 32);
                if (vaddr >= start && vaddr < start + filesz) {
                    return offset + (vaddr - start);
                }
            }
        }
        throw new TpbException(name + ": the dynamic string table is outside every loaded segment");
    }

    private List<String> strings(long tag) {
        List<String> out = new ArrayList<>();
        for (Dyn d : dynamic) {
            if (d.tag == tag) {
                out.add(stringAt(d.value));
            }
        }
        return out;
    }

    private String stringAt(long offset) {
        if (offset < 0 || offset >= strtabSize) {
            throw new TpbException(name + ": a dynamic entry points outside the string table");
        }
        int start = checked(strtabOffset + offset, 1);
        int end = start;
        while (end < image.limit() && image.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        image.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Offsets into the dynamic string table used by anything other than RUNPATH/RPATH. */
    private List<Long> otherStringOffsets() {
        List<Long> offsets = new ArrayList<>();
        long verneed = -1;
        long verneedNum = 0;
        for (Dyn d : dynamic) {
            if (d.tag == DT_NEEDED || d.tag == DT_SONAME) {
                offsets.add(d.value);
            } else if (d.tag == DT_VERNEED) {
                verneed = d.value;
            } else if (d.tag == DT_VERNEEDNUM) {
                verneedNum = d.value;
            }
        }
        addSymbolNames(offsets);
        if (verneed >= 0) {
            addVersionNames(offsets, verneed, verneedNum);
        }
        return offsets;
    }

    private void addSymbolNames(List<Long> offsets) {
        long shoff = image.getLong(0x28);
        int shentsize = Short.toUnsignedInt(image.getShort(0x3A));
        int shnum = Short.toUnsignedInt(image.getShort(0x3C));
        for (int i = 0; i < shnum; i++) {
            int sh = checked(shoff + (long) i * shentsize, 64);
            if (image.getInt(sh + 4) == SHT_DYNSYM) {
                long offset = image.getLong(sh + 24);
                long size = image.getLong(sh + 32);
                for (long s = offset; s + 24 <= offset + size; s += 24) {
                    offsets.add(Integer.toUnsignedLong(image.getInt(checked(s, 24))));
                }
            }
        }
    }

    private void addVersionNames(List<Long> offsets, long verneedAddr, long count) {
        long phoff = image.getLong(0x20);
        int phentsize = Short.toUnsignedInt(image.getShort(0x36));
        int phnum = Short.toUnsignedInt(image.getShort(0x38));
        long vn = fileOffset(verneedAddr, phoff, phentsize, phnum);
        for (long i = 0; i < count; i++) {
            int at = checked(vn, 16);
            offsets.add(Integer.toUnsignedLong(image.getInt(at + 4)));
            int auxCount = Short.toUnsignedInt(image.getShort(at + 2));
            long aux = vn + Integer.toUnsignedLong(image.getInt(at + 8));
            for (int a = 0; a < auxCount; a++) {
                int ax = checked(aux, 16);
                offsets.add(Integer.toUnsignedLong(image.getInt(ax + 8)));
                aux += Integer.toUnsignedLong(image.getInt(ax + 12));
            }
            long next = Integer.toUnsignedLong(image.getInt(at + 12));
            if (next == 0) {
                break;
            }
            vn += next;
        }
    }

    private int checked(long offset, int length) {
        if (offset < 0 || offset + length > image.limit()) {
            throw new TpbException(name + " is truncated or corrupt (offset " + offset + " beyond "
                    + image.limit() + " bytes)");
        }
        return (int) offset;
    }
}
