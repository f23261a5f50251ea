package dev.tpb.config;

import dev.tpb.config.ConfigProblem.Severity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a parsed config against model_config.proto the way Triton's parser would (unknown fields with a
 * "did you mean", values that do not fit their type, unknown enum values, singular fields given twice, two members
 * of a oneof) and lints what Triton accepts but rarely means (unfilled {@code ${...}} placeholders, a single-{@code $}
 * {@code TRITON_MODEL_DIRECTORY}, unusable {@code EXECUTION_ENV_PATH} values, duplicate parameters). Messages
 * use protobuf's wording where it has one.
 */
public final class ConfigValidator {
    private static final Pattern SINGLE_DOLLAR_TOKEN = Pattern.compile("(?<!\\$)\\$TRITON_MODEL_DIRECTORY");

    private final ConfigDocument doc;
    private final SourceText source;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigValidator(ConfigDocument doc) {
        this.doc = doc;
        this.source = doc.source();
    }

    /** Every problem, in file order. */
    public static List<ConfigProblem> validate(ConfigDocument doc) {
        return validate(doc, ModelConfigSchema.MODEL_CONFIG);
    }

    /** Validates a document whose top level is {@code rootType} (used to check snippets before editing). */
    static List<ConfigProblem> validate(ConfigDocument doc, MessageType rootType) {
        ConfigValidator validator = new ConfigValidator(doc);
        validator.message(doc.root(), rootType, "");
        if (rootType == ModelConfigSchema.MODEL_CONFIG) {
            validator.parameters();
            validator.directoryName();
        }
        validator.problems.sort((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line())
                : Integer.compare(a.column(), b.column()));
        return List.copyOf(validator.problems);
    }

    private void message(MessageNode node, MessageType type, String path) {
        Map<String, FieldNode> singular = new HashMap<>();
        Map<String, FieldNode> oneofs = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (FieldNode field : node.fields()) {
            FieldDef def = type.field(field.name());
            if (def == null) {
                error(field.nameToken().offset(), "Message type \"" + type.fullName() + "\" has no field named \""
                        + field.name() + "\"." + DidYouMean.hint(field.name(), type.fieldNames()));
                continue;
            }
            if (!def.repeated()) {
                if (singular.containsKey(def.name())) {
                    error(field.nameToken().offset(), "Non-repeated field \"" + def.name()
                            + "\" is specified multiple times.");
                }
                singular.put(def.name(), field);
            }
            if (def.oneof() != null) {
                FieldNode other = oneofs.get(def.oneof());
                if (other != null && !other.name().equals(def.name())) {
                    error(field.nameToken().offset(), "Field \"" + def.name() + "\" is specified along with field \""
                            + other.name() + "\", another member of oneof \"" + def.oneof() + "\".");
                }
                oneofs.put(def.oneof(), field);
            }
            String fieldPath = path.isEmpty() ? def.name() : path + "." + def.name();
            int index = counts.getOrDefault(def.name(), 0);
            counts.put(def.name(), index + countValues(field));
            value(field, def, fieldPath, index);
        }
    }

    private static int countValues(FieldNode field) {
        return field.value() instanceof ListNode list ? list.items().size() : 1;
    }

    private void value(FieldNode field, FieldDef def, String path, int firstIndex) {
        ValueNode value = field.value();
        if (def.isMessage()) {
            if (value instanceof ListNode list) {
                if (!def.repeated()) {
                    error(list.start(), "Expected \"{\", found \"[\". (\"" + def.name() + "\" is not repeated: "
                            + "it takes one message, not a list.)");
                    return;
                }
                int i = firstIndex;
                for (ValueNode item : list.items()) {
                    messageValue(item, def, path, i++);
                }
            } else {
                messageValue(value, def, path, firstIndex);
            }
            return;
        }
        if (field.colon() == null) {
            error(value.start(), "Expected \":\", found \"" + firstText(value) + "\".");
            return;
        }
        if (value instanceof ListNode list) {
            if (!def.repeated()) {
                error(list.start(), "Expected " + expectedWord(def) + ", got: [ (\"" + def.name() + "\" is not "
                        + "repeated: it takes one value, not a list.)");
                return;
            }
            for (ValueNode item : list.items()) {
                scalarValue(item, def, path);
            }
        } else {
            scalarValue(value, def, path);
        }
    }

    private void messageValue(ValueNode value, FieldDef def, String path, int index) {
        if (!(value instanceof MessageNode message)) {
            error(value.start(), "Expected \"{\", found \"" + firstText(value) + "\".");
            return;
        }
        String itemPath = path;
        if (def.isMap()) {
            itemPath = path + "[" + mapKey(message) + "]";
        } else if (def.repeated()) {
            itemPath = path + "[" + index + "]";
        }
        message(message, def.messageType(), itemPath);
    }

    private void scalarValue(ValueNode value, FieldDef def, String path) {
        if (!(value instanceof ScalarNode scalar)) {
            error(value.start(), "Expected " + expectedWord(def) + ", got: " + firstText(value));
            return;
        }
        ScalarValues.Result result = ScalarValues.read(scalar, def);
        if (!result.ok()) {
            String message = result.error();
            if (def.type() == FieldType.ENUM && scalar.kind() == ScalarNode.Kind.IDENTIFIER) {
                message += DidYouMean.hint(scalar.text(), def.enumType().values().keySet());
            }
            error(result.errorOffset(), message);
            return;
        }
        if (result.value() instanceof String string) {
            stringLint(scalar, string, path);
        }
        if (result.value() instanceof ScalarValues.EnumValue e && e.name() == null) {
            warning(scalar.start(), "No value of " + def.enumType().fullName() + " has the number " + e.number()
                    + "; Triton keeps the number as is.");
        }
    }

    private void stringLint(ScalarNode scalar, String value, String path) {
        for (String placeholder : Placeholders.in(value)) {
            warning(scalar.start(), "Unfilled template placeholder " + placeholder + " in " + path
                    + ": the model receives it literally; fill it in (e.g. with fill_template.py).");
        }
        if (SINGLE_DOLLAR_TOKEN.matcher(value).find()) {
            warning(scalar.start(), "\"$TRITON_MODEL_DIRECTORY\" in " + path + " is not substituted by Triton; only \""
                    + ExecutionEnvPaths.MODEL_DIR_TOKEN + "\" is (template fillers such as fill_template.py turn "
                    + "\"$$\" into \"$\").");
        }
    }

    /** Duplicate keys and the Python backend's own parameters. */
    private void parameters() {
        Map<String, List<ScalarNode>> byKey = new LinkedHashMap<>();
        for (MessageNode entry : Nodes.messages(doc.root(), "parameters")) {
            List<ValueNode> keys = Nodes.values(entry, "key");
            String key = keys.isEmpty() || !(keys.get(keys.size() - 1) instanceof ScalarNode k)
                    || k.kind() != ScalarNode.Kind.STRING ? null : k.stringValue();
            if (key == null) {
                continue;
            }
            ScalarNode keyNode = (ScalarNode) keys.get(keys.size() - 1);
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(keyNode);
            ScalarNode valueNode = stringValueNode(entry);
            if (valueNode == null) {
                continue;
            }
            String value = valueNode.stringValue();
            if (key.equals(ExecutionEnvPaths.PARAMETER)) {
                for (String warning : ExecutionEnvPaths.lint(value)) {
                    warning(valueNode.start(), warning + ".");
                }
                doc.path().ifPresent(file -> {
                    Path modelDir = modelDirectory(file);
                    if (modelDir != null && (value.startsWith(ExecutionEnvPaths.MODEL_DIR_TOKEN)
                            || value.startsWith("/"))) {
                        Path target = ExecutionEnvPaths.resolve(value, modelDir);
                        for (String warning : ExecutionEnvPaths.checkTarget(target)) {
                            if (!warning.contains("Triton reads only")) { // lint() reported that already
                                warning(valueNode.start(), "EXECUTION_ENV_PATH: " + warning + ".");
                            }
                        }
                    }
                });
            } else if (key.equals("FORCE_CPU_ONLY_INPUT_TENSORS") && !value.equals("yes") && !value.equals("no")) {
                error(valueNode.start(), "Incorrect value for FORCE_CPU_ONLY_INPUT_TENSORS: \"" + value
                        + "\"; the Python backend accepts \"yes\" or \"no\".");
            }
        }
        for (Map.Entry<String, List<ScalarNode>> e : byKey.entrySet()) {
            List<ScalarNode> nodes = e.getValue();
            if (nodes.size() > 1) {
                List<String> lines = new ArrayList<>();
                for (ScalarNode node : nodes) {
                    lines.add(String.valueOf(source.line(node.start())));
                }
                warning(nodes.get(nodes.size() - 1).start(), "parameters key \"" + e.getKey() + "\" is given "
                        + nodes.size() + " times (lines " + String.join(", ", lines) + "); Triton uses the last one.");
            }
        }
    }

    private static ScalarNode stringValueNode(MessageNode entry) {
        List<MessageNode> values = Nodes.messages(entry, "value");
        if (values.isEmpty()) {
            return null;
        }
        List<ValueNode> strings = Nodes.values(values.get(values.size() - 1), "string_value");
        if (strings.isEmpty() || !(strings.get(strings.size() - 1) instanceof ScalarNode s)
                || s.kind() != ScalarNode.Kind.STRING) {
            return null;
        }
        return s;
    }

    /** Triton requires {@code name}, when given, to equal the model's directory name. */
    private void directoryName() {
        doc.path().ifPresent(file -> {
            Path modelDir = modelDirectory(file);
            if (modelDir == null || modelDir.getFileName() == null) {
                return;
            }
            List<ValueNode> names = Nodes.values(doc.root(), "name");
            if (names.isEmpty() || !(names.get(names.size() - 1) instanceof ScalarNode name)
                    || name.kind() != ScalarNode.Kind.STRING) {
                return;
            }
            String dir = modelDir.getFileName().toString();
            if (!name.stringValue().equals(dir)) {
                error(name.start(), "unexpected directory name '" + dir + "' for model '" + name.stringValue()
                        + "', directory name must equal model name");
            }
        });
    }

    /** {@code <model>/config.pbtxt} or {@code <model>/configs/<name>.pbtxt}; null for other file names. */
    static Path modelDirectory(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        Path dir = ModelConfigLocator.modelDirectory(file);
        boolean configs = !dir.equals(file.toAbsolutePath().normalize().getParent());
        return name.equals(ModelConfigLocator.CONFIG_FILE) || (configs && name.endsWith(".pbtxt")) ? dir : null;
    }

    /** How a map entry is named in a path: its key as written, without quotes. */
    static String mapKey(MessageNode entry) {
        List<ValueNode> keys = Nodes.values(entry, "key");
        if (keys.isEmpty() || !(keys.get(keys.size() - 1) instanceof ScalarNode key)) {
            return "";
        }
        return key.kind() == ScalarNode.Kind.STRING ? key.stringValue() : (key.negative() ? "-" : "") + key.text();
    }

    /** What protobuf's parser says it expected for a field of this type. */
    static String expectedWord(FieldDef def) {
        return switch (def.type()) {
            case INT32, INT64, UINT32, UINT64 -> "integer";
            case FLOAT, DOUBLE -> "double";
            case STRING -> "string";
            case ENUM -> "integer or identifier";
            default -> "identifier";
        };
    }

    private static String firstText(ValueNode value) {
        Token first = ((Node) value).firstToken();
        return first == null ? "" : first.text();
    }

    private void error(int offset, String message) {
        add(offset, Severity.ERROR, message);
    }

    private void warning(int offset, String message) {
        add(offset, Severity.WARNING, message);
    }

    private void add(int offset, Severity severity, String message) {
        problems.add(new ConfigProblem(source.displayName(), source.line(offset), source.column(offset), severity,
                message));
    }
}
