package dev.tpb.ipc;

import dev.tpb.TpbException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The launcher's side of one stub's shared-memory region under /dev/shm. Created here (mode 0600), its bytes
 * reserved by writing them so that a full /dev/shm is an error now instead of a SIGBUS later, and mapped in
 * 1 GiB windows (the most one Java mapping can hold). Both sides grow it by claiming ranges at its end
 * ({@link #claim}); {@link #refresh()} maps what the stub added. Any thread may read and slice it.
 */
public final class ShmRegion implements AutoCloseable {
    public static final Path SHM_DIR = Path.of("/dev/shm");
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20);
    /** The stub reserves this much address space for the region (shm_region.c): it can never be larger. */
    static final long MAX_BYTES = 64L << 30;

    private final String name;
    private final Path path;
    private final FileChannel channel;
    /** The current mapping of each window; replaced as a whole when a window gets longer (readers never lock). */
    private volatile MappedByteBuffer[] windows = new MappedByteBuffer[0];
    /** Every mapping ever made, including windows replaced by longer ones (views may still point into them). */
    private final List<MappedByteBuffer> mappings = new ArrayList<>();
    private final ByteBuffer control;
    private volatile long mapped;

    private ShmRegion(String name, Path path, FileChannel channel, long size) throws IOException {
        this.name = name;
        this.path = path;
        this.channel = channel;
        mapTo(size);
        this.control = windows[0].duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Whole pages: the stub maps grown parts at the old size with MAP_FIXED, which needs page alignment. */
    static long pageAligned(long size) {
        long page = 4096;
        return (size + page - 1) / page * page;
    }

    /** Creates and reserves a new region of {@code size} bytes (rounded up to whole pages). */
    public static ShmRegion create(String name, long requested) {
        long size = pageAligned(requested);
        Path path = SHM_DIR.resolve(name);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new TpbException("shared memory region " + path + " already exists");
        } catch (IOException e) {
            throw new TpbException("cannot create shared memory region " + path + ": " + e.getMessage(), e);
        }
        try {
            reserve(channel, 0, size);
        } catch (IOException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            throw new TpbException("Unable to initialize shared memory key '" + name + "' to requested size (" + size
                    + " bytes). If you are running Triton inside docker, use '--shm-size' flag to control the shared "
                    + "memory region size. Each Python backend model instance requires at least 1 MB of shared "
                    + "memory. Error: " + e.getMessage() + " (in " + SHM_DIR + ")", e);
        }
        try {
            return new ShmRegion(name, path, channel, size);
        } catch (IOException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            throw new TpbException("cannot map shared memory region " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes zeros over [from, to): tmpfs allocates the pages now, so running out of space is an IOException. */
    private static void reserve(FileChannel channel, long from, long to) throws IOException {
        long free = Files.getFileStore(SHM_DIR).getUsableSpace();
        if (to - from > free) {
            // Fail before writing anything: filling /dev/shm would hurt every other process using it.
            throw new IOException("No space left on device (" + (to - from) + " bytes needed, " + free + " free)");
        }
        long position = from;
        while (position < to) {
            ByteBuffer chunk = ZEROS.duplicate();
            chunk.limit((int) Math.min(chunk.capacity(), to - position));
            position += channel.write(chunk, position);
        }
    }

    private synchronized void mapTo(long size) throws IOException {
        long window = ShmLayout.WINDOW_BYTES;
        while (mapped < size) {
            int index = (int) (mapped / window);
            long start = index * window;
            long end = Math.min(size, start + window);
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, start, end - start);
            buffer.order(ByteOrder.LITTLE_ENDIAN);
            mappings.add(buffer);
            MappedByteBuffer[] next = java.util.Arrays.copyOf(windows, Math.max(windows.length, index + 1));
            next[index] = buffer; // an old, shorter mapping stays valid for the views made from it
            windows = next;
            mapped = end;
        }
    }

    public String name() {
        return name;
    }

    public Path path() {
        return path;
    }

    public long capacity() {
        return getLongVolatile(ShmLayout.OFF_CAPACITY);
    }

    /** Maps whatever the stub has added since the last look. */
    public void refresh() {
        long capacity = capacity();
        if (capacity > mapped) {
            try {
                mapTo(capacity);
            } catch (IOException e) {
                throw new TpbException("cannot map the grown shared memory region " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Claims {@code bytes} (whole pages) at the end of the region for the launcher's allocations and returns where
     * they start. The stub claims too, so the range is taken by a compare-and-swap on the capacity before its pages
     * are reserved (written), which only ever extends the file.
     */
    public long claim(long bytes) {
        long size = pageAligned(bytes);
        long start;
        do {
            start = capacity();
            if (start + size > MAX_BYTES) {
                throw new TpbException("shared memory region " + path + " would exceed " + MAX_BYTES + " bytes");
            }
        } while (!LONGS.compareAndSet(control, ShmLayout.OFF_CAPACITY, start, start + size));
        try {
            reserve(channel, start, start + size);
            mapTo(start + size);
        } catch (IOException e) {
            throw new TpbException("Failed to increase the shared memory pool size to " + (start + size) + " bytes. If "
                    + "you are running Triton inside docker, use '--shm-size' flag to control the shared memory region "
                    + "size. Error: " + e.getMessage() + " (region " + path + ")", e);
        }
        return start;
    }

    /** A little-endian view of [offset, offset + length), which must lie within one window. */
    public ByteBuffer slice(long offset, int length) {
        long window = ShmLayout.WINDOW_BYTES;
        int index = (int) (offset / window);
        if (offset + length > mapped) {
            refresh(); // the stub may have grown the region since
        }
        MappedByteBuffer[] current = windows;
        if (offset < 0 || offset + length > mapped || (length > 0 && (offset + length - 1) / window != index)
                || index >= current.length || offset - index * window + length > current[index].capacity()) {
            throw new TpbException("shared memory range [" + offset + ", " + (offset + length) + ") of " + path
                    + " is outside the mapped region or crosses a window");
        }
        return current[index].slice((int) (offset - index * window), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    // Control-block access: the control block is at offset 0, inside the first window.

    long getLongVolatile(int offset) {
        return (long) LONGS.getVolatile(control, offset);
    }

    void putLongVolatile(int offset, long value) {
        LONGS.setVolatile(control, offset, value);
    }

    long getLongAcquire(int offset) {
        return (long) LONGS.getAcquire(control, offset);
    }

    void putLongRelease(int offset, long value) {
        LONGS.setRelease(control, offset, value);
    }

    int getIntVolatile(int offset) {
        return (int) INTS.getVolatile(control, offset);
    }

    void putIntVolatile(int offset, int value) {
        INTS.setVolatile(control, offset, value);
    }

    /** A byte of the fixed area after the control block (the cancel table), stored then fenced. */
    void putByteFenced(int offset, byte value) {
        control.put(offset, value);
        java.lang.invoke.VarHandle.fullFence();
    }

    ByteBuffer control() {
        return control.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Removes the region; its memory is returned once {@link #unmap()} ran (or the GC got to the buffers). */
    @Override
    public void close() {
        closeQuietly(channel);
        deleteQuietly(path);
    }

    /**
     * Releases every mapping now, so that a removed region's pages go back to /dev/shm at once. Only when no
     * thread can touch the region's buffers any more: a late access would crash the JVM.
     */
    synchronized void unmap() {
        for (MappedByteBuffer m : mappings) {
            Unmapper.unmap(m);
        }
        mappings.clear();
        windows = new MappedByteBuffer[0];
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a tmpfs file does not fail in a way we could act on
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // stale-region clean-up at the next start removes it
        }
    }

    /** Releases a mapping now instead of whenever the GC gets to it (regions can be large). */
    private static final class Unmapper {
        private static final Object UNSAFE = unsafe();

        static void unmap(MappedByteBuffer buffer) {
            if (UNSAFE == null) {
                return;
            }
            try {
                UNSAFE.getClass().getMethod("invokeCleaner", ByteBuffer.class).invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException ignored) {
                // the GC will unmap it
            }
        }

        private static Object unsafe() {
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                return field.get(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
