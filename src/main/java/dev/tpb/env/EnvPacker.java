package dev.tpb.env;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.env.archive.ArchiveFormat;
import dev.tpb.env.archive.DirSink;
import dev.tpb.env.archive.EntrySink;
import dev.tpb.env.archive.TarSink;
import dev.tpb.util.AtomicFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Packs an environment: plans it ({@link PackPlanner}), then streams every entry into the output in order.
 * Files up to 8 MiB are read whole (one reusable buffer) so their prefixes and shebangs can be fixed before
 * the tar header is written; larger files are streamed and only scanned. Memory stays bounded whatever the
 * size of the largest file.
 */
public final class EnvPacker {
    private static final int IN_MEMORY = 8 << 20;
    private static final int TEXT_SNIFF = 8192;
    private static final int READ_CHUNK = 256 * 1024;
    private static final int MAX_EXAMPLES = 5;

    private final Reporter reporter;

    public EnvPacker(Reporter reporter) {
        this.reporter = reporter;
    }

    public PackResult pack(Path prefix, Path output, PackOptions options, PackListener listener) {
        long start = System.nanoTime();
        EnvInfo info = EnvInspector.inspect(prefix);
        reporter.debug("packing " + info.kind() + " environment " + info.prefix() + " (Python " + info.python() + ")");
        PackPlan plan = new PackPlanner(info, options, reporter).plan();
        reporter.debug(String.format("planned %,d entries (%,d bytes) in %d ms", plan.entries().size(), plan.bytesIn(),
                (System.nanoTime() - start) / 1_000_000));
        listener.planned(plan.fileCount(), plan.bytesIn());
        Writer writer = new Writer(plan, options, listener);
        try (OutputTarget target = OutputTarget.open(output, options.format(), options.force())) {
            try (EntrySink sink = options.format() == ArchiveFormat.DIR ? new DirSink(target.directory())
                    : new TarSink(target.stream(), options.format(), options.level(), options.threads())) {
                writer.writeAll(sink);
                sink.finish();
                writer.bytesOut = sink.bytesOut();
            }
            writer.checkManaged();
            long written = System.nanoTime();
            target.commit();
            reporter.debug(String.format("wrote %,d bytes; flushing to disk and renaming took %d ms", writer.bytesOut,
                    (System.nanoTime() - written) / 1_000_000));
        } catch (IOException | UncheckedIOException e) {
            IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw new TpbException("cannot write " + output + ": " + AtomicFiles.describe(io), e);
        }
        List<String> warnings = new ArrayList<>(plan.warnings());
        warnings.addAll(writer.warnings);
        return new PackResult(output, options.format(), info, plan.python(), writer.files, writer.bytesIn,
                writer.bytesOut, Duration.ofNanos(System.nanoTime() - start), warnings, writer.prefixFiles,
                writer.prefixExamples, writer.rewritten, writer.shebangs);
    }

    /** The write loop and what it learns on the way (prefix occurrences, changed conda files). */
    private final class Writer {
        private final PackPlan plan;
        private final PackOptions options;
        private final PackListener listener;
        private final PrefixRewriter rewriter;
        private final MessageDigest sha256;
        private final List<String> changed = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private final List<String> prefixExamples = new ArrayList<>();
        private byte[] buffer = new byte[1 << 20];
        private int files;
        private long bytesIn;
        private long bytesOut;
        private int prefixFiles;
        private int rewritten;
        private int shebangs;

        Writer(PackPlan plan, PackOptions options, PackListener listener) {
            this.plan = plan;
            this.options = options;
            this.listener = listener;
            this.rewriter = new PrefixRewriter(plan.oldPrefixes(), options.destPrefix());
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void writeAll(EntrySink sink) throws IOException {
            for (Entry e : plan.entries()) {
                switch (e.type()) {
                    case DIRECTORY -> sink.directory(e.path(), e.mode(), e.mtime());
                    case SYMLINK -> sink.symlink(e.path(), e.link(), e.mtime());
                    case HARDLINK -> {
                        sink.hardlink(e.path(), e.link(), e.mode(), e.mtime());
                        files++;
                    }
                    case FILE -> {
                        writeFile(sink, e);
                        files++;
                    }
                }
                listener.progress(files, bytesIn, sink.bytesOut());
            }
        }

        private void writeFile(EntrySink sink, Entry e) throws IOException {
            if (e.data() != null) {
                sink.file(e.path(), e.mode(), e.mtime(), e.data(), e.data().length);
                bytesIn += e.data().length;
                return;
            }
            CondaMeta.PathInfo managed = plan.managed().get(e.path());
            String expected = managed == null || !managed.isFile() ? null
                    : managed.placeholder() == null ? managed.sha256() : managed.sha256InPrefix();
            try (FileChannel ch = FileChannel.open(e.source(), StandardOpenOption.READ)) {
                long size = ch.size();
                if (size <= IN_MEMORY) {
                    int length = readFully(ch, (int) size);
                    if (expected != null) {
                        sha256.update(buffer, 0, length);
                        compareHash(e, expected);
                    }
                    byte[] content = fix(e, managed, length);
                    if (content == buffer) {
                        sink.file(e.path(), e.mode(), e.mtime(), buffer, length);
                    } else {
                        sink.file(e.path(), e.mode(), e.mtime(), content, content.length);
                    }
                    bytesIn += length;
                } else {
                    Scanning in = new Scanning(java.nio.channels.Channels.newInputStream(ch),
                            expected != null ? sha256 : null);
                    sink.file(e.path(), e.mode(), e.mtime(), size, in);
                    if (expected != null) {
                        compareHash(e, expected);
                    }
                    if (in.found) {
                        notePrefix(e.path() + (options.destPrefix() != null ? " (too large to rewrite)" : ""));
                    }
                    bytesIn += size;
                }
            } catch (NoSuchFileException ex) {
                throw new TpbException(e.source() + " disappeared while the environment was being packed");
            }
        }

        private int readFully(FileChannel ch, int size) throws IOException {
            if (buffer.length < size) {
                buffer = new byte[Math.max(size, buffer.length * 2)];
            }
            // Reads of at most 256 KiB: the JDK stages heap-buffer reads through a per-thread cache of direct
            // buffers as large as the request, which would otherwise keep up to 16 buffers of up to 8 MiB alive.
            int pos = 0;
            while (pos < size) {
                int n = ch.read(ByteBuffer.wrap(buffer, pos, Math.min(READ_CHUNK, size - pos)));
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            return pos;
        }

        /** The content to write: the buffer itself, or a new array when a shebang or prefix was rewritten. */
        private byte[] fix(Entry e, CondaMeta.PathInfo managed, int length) {
            if (e.path().endsWith(".pyc") || e.path().startsWith("conda-meta/")) {
                // .pyc: co_filename holds the build path, harmless (Python fixes it at import);
                // conda-meta: records name placeholders and paths as data, which must stay as they are
                return buffer;
            }
            boolean binaryPlaceholder = managed != null && managed.placeholder() != null && managed.binaryMode();
            boolean text = (managed != null && managed.placeholder() != null && !managed.binaryMode())
                    || !hasNul(buffer, Math.min(length, TEXT_SNIFF));
            if (!text && !binaryPlaceholder) {
                return buffer;
            }
            byte[] content = buffer;
            int contentLength = length;
            if (e.script() && text) {
                var shebang = Shebang.rewrite(buffer, length, plan.oldPrefixes());
                if (shebang.isPresent()) {
                    content = shebang.get();
                    contentLength = content.length;
                    shebangs++;
                }
            }
            if (!rewriter.contains(content, contentLength)) {
                return content == buffer ? buffer : content;
            }
            if (options.destPrefix() == null) {
                notePrefix(e.path());
                return content;
            }
            byte[] fixed = text ? rewriter.replaceText(content, contentLength)
                    : rewriter.replaceBinary(content, contentLength);
            if (fixed == null) {
                notePrefix(e.path() + " (binary; --dest-prefix longer than the room left by conda's placeholder)");
                return content;
            }
            rewritten++;
            return fixed;
        }

        private void notePrefix(String what) {
            prefixFiles++;
            if (prefixExamples.size() < MAX_EXAMPLES) {
                prefixExamples.add(what);
            }
        }

        private void compareHash(Entry e, String expected) {
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equalsIgnoreCase(expected)) {
                changed.add(e.path() + " (" + plan.packageOf().getOrDefault(e.path(), "?") + ")");
            }
        }

        void checkManaged() {
            if (changed.isEmpty()) {
                return;
            }
            String list = PackPlanner.summarize(changed, 10);
            if (!options.ignoreMissingFiles()) {
                throw new TpbException("files managed by conda were changed after installation (pip or a user "
                        + "overwrote them; their sha256 differs from conda-meta): " + list + ". Repair the environment"
                        + " or pass --ignore-missing-files to pack them as they are");
            }
            warnings.add(changed.size() + " conda-managed file(s) differ from what conda installed, packed as they are: "
                    + list);
        }

        /** Passes a large file through, hashing it and looking for old prefixes when it looks like text. */
        private final class Scanning extends FilterInputStream {
            private final MessageDigest digest;
            private final int overlap = Math.max(0, rewriter.longestPattern() - 1);
            private byte[] window = new byte[0];
            private boolean first = true;
            private boolean text;
            boolean found;

            Scanning(InputStream in, MessageDigest digest) {
                super(in);
                this.digest = digest;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    if (digest != null) {
                        digest.update(b, off, n);
                    }
                    if (first) {
                        text = !hasNul(java.util.Arrays.copyOfRange(b, off, off + n), Math.min(n, TEXT_SNIFF));
                        first = false;
                    }
                    if (text && !found) {
                        byte[] joined = new byte[window.length + n];
                        System.arraycopy(window, 0, joined, 0, window.length);
                        System.arraycopy(b, off, joined, window.length, n);
                        found = rewriter.contains(joined, joined.length);
                        window = java.util.Arrays.copyOfRange(joined, Math.max(0, joined.length - overlap), joined.length);
                    }
                }
                return n;
            }
        }
    }

    private static boolean hasNul(byte[] b, int length) {
        for (int i = 0; i < length; i++) {
            if (b[i] == 0) {
                return true;
            }
        }
        return false;
    }
}
