package dev.tpb.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpb.TpbException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model config as Triton's {@code ModelConfigToJson} prints it, which is what the Python backend passes to
 * {@code initialize(args)["model_config"]} and what {@code GET /v2/models/{m}/config} returns: protobuf JSON with
 * proto field names, every primitive, repeated and map field printed with its default (also inside nested messages
 * that are present), unset message fields and unset oneof members left out, enums as names (a number without a
 * name stays a number), {@code parameters} as {@code {"key": {"string_value": "..."}}}, fields in declaration
 * order of model_config.proto.
 *
 * <p>64-bit integers follow Triton exactly: protobuf prints them as strings, and Triton rewrites a fixed list of
 * fields as numbers ({@code input/output dims} and {@code reshape.shape}, {@code version_policy.specific.versions},
 * the dynamic and sequence batchers' delays, priorities and timeouts, {@code sequence_batching.state.dims},
 * {@code ensemble_scheduling.step.model_version}, {@code model_warmup.inputs.dims}). The others stay strings as in
 * Triton: {@code instance_group.secondary_devices.device_id}, {@code optimization.cuda.graph_spec...dim} and
 * {@code sequence_batching.state.initial_state.dims} (Triton's fix-up looks for it in the wrong object). Map keys
 * are strings. Floats print as numbers, integral ones without a fraction ({@code 1}, as protobuf does), and
 * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} as strings.
 *
 * <p>Differences from Triton: Triton prints an empty string for a config in which every field has its default;
 * {@link #of} still returns the all-defaults object ({@link #isAllDefault} tells the case apart). Triton's map
 * order is unspecified (hash order); here map entries keep the order of first appearance, a later duplicate key
 * replacing the value.
 *
 * <p>What is <em>not</em> done here: Triton's core normalization and auto-completion (filling {@code name} from the
 * directory, {@code backend: "python"} and {@code default_model_filename} from a {@code model.py}, a default
 * {@code instance_group}, instance names {@code <model>_<n>}, {@code count} 1, {@code KIND_AUTO} to CPU or GPU) and
 * the Python backend's {@code auto_complete_config}. Those belong to the runtime, which applies them and then uses
 * {@link #normalize} to put the result back in this shape.
 */
public final class ModelConfigJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ModelConfigJson() {
    }

    /**
     * The JSON view of a parsed config. Throws {@link ConfigInvalidException} when the file has errors Triton
     * would refuse to load (unknown fields, values of the wrong type, ...).
     */
    public static ObjectNode of(ConfigDocument doc) {
        List<ConfigProblem> errors = ConfigValidator.validate(doc).stream().filter(ConfigProblem::isError).toList();
        if (!errors.isEmpty()) {
            throw new ConfigInvalidException(errors);
        }
        return print(read(doc.root(), ModelConfigSchema.MODEL_CONFIG), ModelConfigSchema.MODEL_CONFIG);
    }

    /** True when every field has its default value, the case in which Triton prints an empty string. */
    public static boolean isAllDefault(ObjectNode json) {
        return json.equals(normalize(F.objectNode()));
    }

    // ---- text format -> values ----

    /** Field values of one message: scalars, {@link Values} for messages, lists, maps keyed by JSON key. */
    private static final class Values {
        final Map<FieldDef, Object> fields = new LinkedHashMap<>();
    }

    private static Values read(MessageNode node, MessageType type) {
        Values values = new Values();
        for (FieldNode field : node.fields()) {
            FieldDef def = type.field(field.name());
            List<ValueNode> items = field.value() instanceof ListNode list ? list.items() : List.of(field.value());
            for (ValueNode item : items) {
                set(values, def, item);
            }
            if (def.oneof() != null) {
                for (FieldDef other : type.fields()) {
                    if (def.oneof().equals(other.oneof()) && other != def) {
                        values.fields.remove(other);
                    }
                }
            }
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    private static void set(Values values, FieldDef def, ValueNode item) {
        if (def.isMap()) {
            Values entry = read((MessageNode) item, def.messageType());
            FieldDef keyDef = def.messageType().field("key");
            FieldDef valueDef = def.messageType().field("value");
            Object key = entry.fields.getOrDefault(keyDef, defaultValue(keyDef));
            Object value = entry.fields.containsKey(valueDef) ? entry.fields.get(valueDef)
                    : valueDef.isMessage() ? new Values() : defaultValue(valueDef);
            ((Map<String, Object>) values.fields.computeIfAbsent(def, d -> new LinkedHashMap<String, Object>()))
                    .put(key.toString(), value);
            return;
        }
        Object value = def.isMessage() ? read((MessageNode) item, def.messageType())
                : ScalarValues.read((ScalarNode) item, def).value();
        if (def.repeated()) {
            ((List<Object>) values.fields.computeIfAbsent(def, d -> new ArrayList<>())).add(value);
        } else if (def.isMessage() && values.fields.get(def) instanceof Values existing) {
            merge(existing, (Values) value); // given twice: an error Triton reports; merge like protobuf would
        } else {
            values.fields.put(def, value);
        }
    }

    @SuppressWarnings("unchecked")
    private static void merge(Values into, Values from) {
        for (Map.Entry<FieldDef, Object> e : from.fields.entrySet()) {
            Object current = into.fields.get(e.getKey());
            if (current instanceof List<?> list) {
                ((List<Object>) list).addAll((List<Object>) e.getValue());
            } else if (current instanceof Map<?, ?> map) {
                ((Map<String, Object>) map).putAll((Map<String, Object>) e.getValue());
            } else if (current instanceof Values values) {
                merge(values, (Values) e.getValue());
            } else {
                into.fields.put(e.getKey(), e.getValue());
            }
        }
    }

    private static Object defaultValue(FieldDef def) {
        return switch (def.type()) {
            case STRING -> "";
            case BOOL -> false;
            case INT32, INT64, UINT32, UINT64 -> 0L;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            case ENUM -> new ScalarValues.EnumValue(def.enumType().nameOf(0), 0);
            case MESSAGE -> new Values();
        };
    }

    // ---- values -> JSON ----

    @SuppressWarnings("unchecked")
    private static ObjectNode print(Values values, MessageType type) {
        ObjectNode out = F.objectNode();
        for (FieldDef def : type.fields()) {
            Object value = values.fields.get(def);
            if (def.isMap()) {
                ObjectNode map = out.putObject(def.name());
                FieldDef valueDef = def.messageType().field("value");
                if (value != null) {
                    for (Map.Entry<String, Object> e : ((Map<String, Object>) value).entrySet()) {
                        map.set(e.getKey(), single(valueDef, e.getValue()));
                    }
                }
            } else if (def.repeated()) {
                ArrayNode array = out.putArray(def.name());
                if (value != null) {
                    for (Object item : (List<Object>) value) {
                        array.add(single(def, item));
                    }
                }
            } else if (value != null) {
                out.set(def.name(), single(def, value));
            } else if (!def.isMessage() && def.oneof() == null) {
                out.set(def.name(), single(def, defaultValue(def)));
            }
        }
        return out;
    }

    private static JsonNode single(FieldDef def, Object value) {
        return switch (def.type()) {
            case STRING -> F.textNode((String) value);
            case BOOL -> F.booleanNode((Boolean) value);
            case INT32, UINT32 -> integer(value);
            case INT64, UINT64 -> def.jsonNumber() ? integer(value) : F.textNode(value.toString());
            case FLOAT -> floating(((Number) value).doubleValue(), true);
            case DOUBLE -> floating(((Number) value).doubleValue(), false);
            case ENUM -> {
                ScalarValues.EnumValue e = (ScalarValues.EnumValue) value;
                yield e.name() != null ? F.textNode(e.name()) : F.numberNode(e.number());
            }
            case MESSAGE -> print((Values) value, def.messageType());
        };
    }

    private static JsonNode integer(Object value) {
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? F.numberNode(big.longValue()) : F.numberNode(big);
        }
        long v = ((Number) value).longValue();
        return v == (int) v ? F.numberNode((int) v) : F.numberNode(v);
    }

    private static JsonNode floating(double v, boolean single) {
        if (Double.isNaN(v)) {
            return F.textNode("NaN");
        }
        if (Double.isInfinite(v)) {
            return F.textNode(v > 0 ? "Infinity" : "-Infinity");
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return integer((long) v); // protobuf prints 1.0 as 1
        }
        return single ? F.numberNode((float) v) : F.numberNode(v);
    }

    // ---- JSON -> JSON in the same shape ----

    /**
     * A model config given as JSON (by {@code auto_complete_config}, a load request or another tool) in the shape
     * {@link #of} produces: defaults filled in, fields in declaration order, enum names canonical (protobuf's JSON
     * parser, as Triton configures it, accepts them in any case, and numbers), 64-bit integers as numbers or
     * strings as Triton prints them. Accepts proto names and protobuf's lowerCamelCase JSON names, and
     * {@code null} for an unset field. Unknown fields, values of the wrong type and two members of a oneof are
     * errors naming the field, as Triton rejects them.
     */
    public static ObjectNode normalize(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new TpbException("model config JSON must be an object, got " + describe(config));
        }
        return normalizeMessage((ObjectNode) config, ModelConfigSchema.MODEL_CONFIG, "model config");
    }

    private static ObjectNode normalizeMessage(ObjectNode in, MessageType type, String path) {
        Map<FieldDef, JsonNode> given = new LinkedHashMap<>();
        Map<String, FieldDef> oneofs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldDef def = fieldByJsonName(type, e.getKey());
            if (def == null) {
                throw new TpbException(path + ": message type \"" + type.fullName() + "\" has no field named \""
                        + e.getKey() + "\"." + DidYouMean.hint(e.getKey(), type.fieldNames()));
            }
            if (e.getValue().isNull()) {
                continue;
            }
            if (def.oneof() != null) {
                FieldDef other = oneofs.put(def.oneof(), def);
                if (other != null && other != def) {
                    throw new TpbException(path + ": fields \"" + other.name() + "\" and \"" + def.name()
                            + "\" are both set, but they are members of oneof \"" + def.oneof() + "\"");
                }
            }
            given.put(def, e.getValue());
        }
        ObjectNode out = F.objectNode();
        for (FieldDef def : type.fields()) {
            JsonNode value = given.get(def);
            String fieldPath = path + "." + def.name();
            if (def.isMap()) {
                ObjectNode map = out.putObject(def.name());
                if (value != null) {
                    requireType(value.isObject(), fieldPath, "an object", value);
                    FieldDef keyDef = def.messageType().field("key");
                    FieldDef valueDef = def.messageType().field("value");
                    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String key = keyDef.type() == FieldType.STRING ? e.getKey()
                                : normalizeSingle(keyDef, F.textNode(e.getKey()), fieldPath + " key").asText();
                        map.set(key, normalizeSingle(valueDef, e.getValue(), fieldPath + "[" + e.getKey() + "]"));
                    }
                }
            } else if (def.repeated()) {
                ArrayNode array = out.putArray(def.name());
                if (value != null) {
                    requireType(value.isArray(), fieldPath, "an array", value);
                    for (int i = 0; i < value.size(); i++) {
                        array.add(normalizeSingle(def, value.get(i), fieldPath + "[" + i + "]"));
                    }
                }
            } else if (value != null) {
                out.set(def.name(), normalizeSingle(def, value, fieldPath));
            } else if (!def.isMessage() && def.oneof() == null) {
                out.set(def.name(), single(def, defaultValue(def)));
            }
        }
        return out;
    }

    private static FieldDef fieldByJsonName(MessageType type, String name) {
        FieldDef def = type.field(name);
        if (def != null) {
            return def;
        }
        for (FieldDef candidate : type.fields()) {
            if (camelCase(candidate.name()).equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    private static String camelCase(String protoName) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : protoName.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private static JsonNode normalizeSingle(FieldDef def, JsonNode value, String path) {
        switch (def.type()) {
            case STRING -> {
                requireType(value.isTextual(), path, "a string", value);
                return value;
            }
            case BOOL -> {
                requireType(value.isBoolean(), path, "true or false", value);
                return value;
            }
            case INT32, INT64, UINT32, UINT64 -> {
                BigInteger number = integerOf(value, path);
                BigInteger min = switch (def.type()) {
                    case INT32 -> BigInteger.valueOf(Integer.MIN_VALUE);
                    case INT64 -> BigInteger.valueOf(Long.MIN_VALUE);
                    default -> BigInteger.ZERO;
                };
                BigInteger max = switch (def.type()) {
                    case INT32 -> BigInteger.valueOf(Integer.MAX_VALUE);
                    case UINT32 -> BigInteger.valueOf(0xFFFFFFFFL);
                    case INT64 -> BigInteger.valueOf(Long.MAX_VALUE);
                    default -> BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
                };
                if (number.compareTo(min) < 0 || number.compareTo(max) > 0) {
                    throw new TpbException(path + ": " + number + " is out of range for " + def.type().protoName());
                }
                return single(def, number.bitLength() < 64 ? (Object) number.longValue() : number);
            }
            case FLOAT, DOUBLE -> {
                double v;
                if (value.isNumber()) {
                    v = value.doubleValue();
                } else if (value.isTextual()) {
                    String text = value.asText();
                    try {
                        v = switch (text) {
                            case "NaN" -> Double.NaN;
                            case "Infinity" -> Double.POSITIVE_INFINITY;
                            case "-Infinity" -> Double.NEGATIVE_INFINITY;
                            default -> Double.parseDouble(text);
                        };
                    } catch (NumberFormatException e) {
                        throw new TpbException(path + ": expected a number, got " + describe(value));
                    }
                } else {
                    throw new TpbException(path + ": expected a number, got " + describe(value));
                }
                return floating(v, def.type() == FieldType.FLOAT);
            }
            case ENUM -> {
                if (value.isTextual()) {
                    for (String name : def.enumType().values().keySet()) {
                        if (name.equalsIgnoreCase(value.asText())) {
                            return F.textNode(name);
                        }
                    }
                    throw new TpbException(path + ": unknown value \"" + value.asText() + "\" of "
                            + def.enumType().fullName() + "."
                            + DidYouMean.hint(value.asText(), def.enumType().values().keySet()));
                }
                if (value.isIntegralNumber() && value.canConvertToInt()) {
                    String name = def.enumType().nameOf(value.intValue());
                    return name != null ? F.textNode(name) : F.numberNode(value.intValue());
                }
                throw new TpbException(path + ": expected an enum name, got " + describe(value));
            }
            default -> {
                requireType(value.isObject(), path, "an object", value);
                return normalizeMessage((ObjectNode) value, def.messageType(), path);
            }
        }
    }

    private static BigInteger integerOf(JsonNode value, String path) {
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue();
        }
        if (value.isNumber() && value.doubleValue() == Math.rint(value.doubleValue())) {
            return value.decimalValue().toBigInteger();
        }
        if (value.isTextual()) {
            try {
                return new BigInteger(value.asText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw new TpbException(path + ": expected an integer, got " + describe(value));
    }

    private static void requireType(boolean ok, String path, String expected, JsonNode value) {
        if (!ok) {
            throw new TpbException(path + ": expected " + expected + ", got " + describe(value));
        }
    }

    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        String text = value.toString();
        String type = value.getNodeType().name().toLowerCase(Locale.ROOT);
        return type + " " + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }
}
