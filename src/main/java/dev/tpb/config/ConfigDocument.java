package dev.tpb.config;

import dev.tpb.TpbException;
import dev.tpb.util.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed config.pbtxt: a lossless syntax tree in which every character of the file (comments, whitespace,
 * separators, quote styles) is kept, so {@link #print()} of an unedited document returns the input exactly.
 * Immutable; edits ({@link ConfigEditor}) produce a new document.
 */
public final class ConfigDocument {
    private final SourceText source;
    private final MessageNode root;
    private final Path path;

    private ConfigDocument(SourceText source, MessageNode root, Path path) {
        this.source = source;
        this.root = root;
        this.path = path;
    }

    /** Reads and parses a file (UTF-8). Throws {@link ConfigSyntaxException} naming {@code file:line:col}. */
    public static ConfigDocument parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TpbException("cannot read " + file + ": " + AtomicFiles.describe(e), e);
        }
        String name = file.toString();
        return parse(decode(bytes, name), name, file);
    }

    /** Parses text; {@code displayName} names it in error messages. */
    public static ConfigDocument parse(String text, String displayName) {
        return parse(text, displayName, null);
    }

    static ConfigDocument parse(String text, String displayName, Path path) {
        SourceText source = new SourceText(displayName, text);
        if (text.startsWith("\uFEFF")) {
            throw new ConfigSyntaxException(source, 0, "The file starts with a byte order mark (U+FEFF), which "
                    + "protobuf's parser rejects; save the file as UTF-8 without BOM.");
        }
        return new ConfigDocument(source, Parser.parse(source, ModelConfigSchema.MODEL_CONFIG), path);
    }

    /** Text whose top level is a message of {@code type} (a value being checked before an edit). */
    static ConfigDocument parseAs(String text, String displayName, MessageType type) {
        SourceText source = new SourceText(displayName, text);
        return new ConfigDocument(source, Parser.parse(source, type), null);
    }

    /** The same document with new text (after an edit), keeping its name and path. */
    ConfigDocument reparse(String text) {
        return parse(text, source.displayName(), path);
    }

    /** The text, rebuilt from the syntax tree. */
    public String print() {
        StringBuilder out = new StringBuilder(source.text().length());
        root.print(out);
        return out.toString();
    }

    public String text() {
        return source.text();
    }

    public MessageNode root() {
        return root;
    }

    public SourceText source() {
        return source;
    }

    public String displayName() {
        return source.displayName();
    }

    /** The file it was read from, if it was read from a file. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /**
     * The {@code parameters} map as Triton sees it: key to {@code string_value}, in order of first appearance,
     * a later entry with the same key replacing the earlier value.
     */
    public Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (MessageNode entry : Nodes.messages(root, "parameters")) {
            String key = Nodes.lastString(entry, "key").orElse("");
            String value = Nodes.lastMessage(entry, "value")
                    .flatMap(v -> Nodes.lastString(v, "string_value")).orElse("");
            parameters.put(key, value);
        }
        return parameters;
    }

    public Optional<String> parameter(String key) {
        return Optional.ofNullable(parameters().get(key));
    }

    /** The {@code EXECUTION_ENV_PATH} parameter as written (use {@link ExecutionEnvPaths#resolve} for a path). */
    public Optional<String> executionEnvPath() {
        return parameter(ExecutionEnvPaths.PARAMETER);
    }

    /** A top-level string field ({@code name}, {@code backend}, {@code platform}, ...) if the file sets it. */
    public Optional<String> stringField(String name) {
        return Nodes.lastString(root, name);
    }

    private static String decode(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // Name the place: decode up to the bad byte, then report there.
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CharBuffer out = CharBuffer.allocate(bytes.length);
            StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
            out.flip();
            String prefix = out.toString();
            SourceText source = new SourceText(name, prefix);
            String detail = "The file is not valid UTF-8 (byte 0x"
                    + String.format("%02x", bytes[Math.min(in.position(), bytes.length - 1)] & 0xFF) + ").";
            throw new ConfigSyntaxException(source, prefix.length(), detail);
        }
    }
}
