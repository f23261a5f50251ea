package dev.tpb.stub;

import dev.tpb.TpbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads the NEEDED entries of a 64-bit little-endian ELF file's dynamic section. */
final class ElfDependencies {
    private static final int PT_DYNAMIC = 2;
    private static final int PT_LOAD = 1;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_STRTAB = 5;

    private ElfDependencies() {
    }

    static Optional<String> libpython(Path file) {
        return needed(file).stream().filter(n -> n.startsWith("libpython")).findFirst();
    }

    static List<String> needed(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                throw new TpbException(file + " is not a 64-bit little-endian ELF file");
            }
            long phoff = elf.getLong(0x20);
            int phentsize = Short.toUnsignedInt(elf.getShort(0x36));
            int phnum = Short.toUnsignedInt(elf.getShort(0x38));
            long dynOffset = -1;
            long dynSize = 0;
            List<long[]> loads = new ArrayList<>(); // {vaddr, offset, filesz}
            for (int i = 0; i < phnum; i++) {
                int ph = (int) (phoff + (long) i * phentsize);
                int type = elf.getInt(ph);
                if (type == PT_DYNAMIC) {
                    dynOffset = elf.getLong(ph + 8);
                    dynSize = elf.getLong(ph + 32);
                } else if (type == PT_LOAD) {
                    loads.add(new long[] {elf.getLong(ph + 16), elf.getLong(ph + 8), elf.getLong(ph + 32)});
                }
            }
            if (dynOffset < 0) {
                return List.of();
            }
            List<Long> neededOffsets = new ArrayList<>();
            long strtab = -1;
            for (long p = dynOffset; p + 16 <= dynOffset + dynSize; p += 16) {
                long tag = elf.getLong((int) p);
                long value = elf.getLong((int) p + 8);
                if (tag == DT_NULL) {
                    break;
                } else if (tag == DT_NEEDED) {
                    neededOffsets.add(value);
                } else if (tag == DT_STRTAB) {
                    strtab = fileOffset(loads, value);
                }
            }
            List<String> names = new ArrayList<>();
            for (long off : neededOffsets) {
                names.add(cString(elf, (int) (strtab + off)));
            }
            return names;
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new TpbException("cannot read the ELF dynamic section of " + file + ": " + e.getMessage(), e);
        }
    }

    private static long fileOffset(List<long[]> loads, long vaddr) {
        for (long[] load : loads) {
            if (vaddr >= load[0] && vaddr < load[0] + load[2]) {
                return vaddr - load[0] + load[1];
            }
        }
        throw new IndexOutOfBoundsException("address " + vaddr + " is in no loaded segment");
    }

    private static String cString(ByteBuffer buf, int at) {
        StringBuilder sb = new StringBuilder();
        for (int i = at; buf.get(i) != 0; i++) {
            sb.append((char) buf.get(i));
        }
        return sb.toString();
    }
}
