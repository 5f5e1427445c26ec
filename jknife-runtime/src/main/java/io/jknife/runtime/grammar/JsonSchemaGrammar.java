package io.jknife.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a JSON schema into a GBNF grammar (llama.cpp's dialect, root rule {@code root}) whose
 * language is exactly the JSON documents the schema accepts, within the supported subset:
 * {@code type} (one or a list), objects with {@code properties}, {@code required} and
 * {@code additionalProperties} (false or absent: only the declared properties, in their declared
 * order; true or a schema: a free map, only without {@code properties}), arrays with
 * {@code items}, {@code minItems}, {@code maxItems}, {@code enum}, {@code const}, strings with
 * {@code minLength}, {@code maxLength} and the formats {@code date}, {@code time},
 * {@code date-time} and {@code uuid}, number, integer, boolean, null, {@code anyOf} and
 * {@code oneOf} (as alternatives: exclusivity is not enforced), and {@code $ref} to
 * {@code #/$defs/...} or {@code #/definitions/...} (recursion allowed). Annotations (title,
 * description, default, examples, ...) are ignored. Every other keyword is refused with a
 * {@link SchemaException} that lists each one with its place, so a constraint is never silently
 * dropped.
 *
 * <p>Whitespace between tokens is bounded (a space, or a newline and up to 20 tabs) and integers
 * have at most 16 digits, as in llama.cpp's own converter, so a model cannot wander forever in
 * padding or digits.
 */
public final class JsonSchemaGrammar {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keywords that describe but do not constrain. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict");

    private static final Map<String, String> PRIMITIVES = new LinkedHashMap<>();

    static {
        PRIMITIVES.put("space", "| \" \" | \"\\n\" [ \\t]{0,20}");
        PRIMITIVES.put("boolean", "(\"true\" | \"false\") space");
        PRIMITIVES.put("null", "\"null\" space");
        // no surrogates and nothing above U+10FFFF: llama.cpp decodes such byte sequences to code
        // points, Java (rightly) to replacement characters, which would change string lengths
        PRIMITIVES.put("char", "[^\"\\\\\\x7F\\x00-\\x1F\\uD800-\\uDFFF\\U00110000-\\UFFFFFFFF] | [\\\\] ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})");
        PRIMITIVES.put("string", "\"\\\"\" char* \"\\\"\" space");
        PRIMITIVES.put("integral-part", "[0] | [1-9] [0-9]{0,15}");
        PRIMITIVES.put("decimal-part", "[0-9]{1,16}");
        PRIMITIVES.put("integer", "(\"-\"? integral-part) space");
        PRIMITIVES.put("number", "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)? space");
        PRIMITIVES.put("value", "object | array | string | number | boolean | null");
        PRIMITIVES.put("object", "\"{\" space (string \":\" space value (\",\" space string \":\" space value)*)? \"}\" space");
        PRIMITIVES.put("array", "\"[\" space (value (\",\" space value)*)? \"]\" space");
        PRIMITIVES.put("date", "[0-9]{4} \"-\" ([0] [1-9] | [1] [0-2]) \"-\" ([0] [1-9] | [1-2] [0-9] | [3] [0-1])");
        PRIMITIVES.put("time", "([01] [0-9] | [2] [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{3})? (\"Z\" | [+-] ([01] [0-9] | [2] [0-3]) \":\" [0-5] [0-9])");
        PRIMITIVES.put("uuid", "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12}");
    }

    /** Which primitive rules each primitive uses. */
    private static final Map<String, List<String>> PRIMITIVE_DEPS = Map.ofEntries(
            Map.entry("boolean", List.of("space")), Map.entry("null", List.of("space")),
            Map.entry("string", List.of("char", "space")), Map.entry("integer", List.of("integral-part", "space")),
            Map.entry("number", List.of("integral-part", "decimal-part", "space")),
            Map.entry("value", List.of("object", "array", "string", "number", "boolean", "null")),
            Map.entry("object", List.of("space", "string", "value")), Map.entry("array", List.of("space", "value")));

    private final JsonNode rootSchema;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> primitives = new TreeSet<>();
    private final Map<String, String> refRules = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private JsonSchemaGrammar(JsonNode rootSchema) {
        this.rootSchema = rootSchema;
    }

    /** A grammar for any JSON object (OpenAI's {@code response_format: {"type": "json_object"}}). */
    public static String anyObject() {
        JsonSchemaGrammar g = new JsonSchemaGrammar(JSON.createObjectNode());
        g.rules.put("root", g.primitive("object"));
        return g.render();
    }

    /**
     * A grammar for the documents {@code schema} accepts.
     *
     * @throws SchemaException when the schema is not an object (or boolean {@code true}), or uses
     *                         keywords outside the supported subset (all of them are listed)
     */
    public static String forSchema(JsonNode schema) throws SchemaException {
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            throw new SchemaException("the schema must be a JSON object");
        }
        JsonSchemaGrammar g = new JsonSchemaGrammar(schema);
        String body = g.visit(schema, "#", "root");
        if (!g.problems.isEmpty()) {
            throw new SchemaException(String.join("; ", g.problems));
        }
        g.rules.put("root", body);
        return g.render();
    }

    private String render() {
        StringBuilder sb = new StringBuilder();
        // root first, as llama.cpp's own grammars put it
        sb.append("root ::= ").append(rules.get("root")).append('\n');
        rules.forEach((name, body) -> {
            if (!name.equals("root")) {
                sb.append(name).append(" ::= ").append(body).append('\n');
            }
        });
        Set<String> needed = new LinkedHashSet<>();
        for (String p : primitives) {
            addPrimitive(p, needed);
        }
        for (String p : needed) {
            sb.append(p).append(" ::= ").append(PRIMITIVES.get(p)).append('\n');
        }
        return sb.toString();
    }

    private static void addPrimitive(String p, Set<String> out) {
        if (out.add(p)) {
            for (String d : PRIMITIVE_DEPS.getOrDefault(p, List.of())) {
                addPrimitive(d, out);
            }
        }
    }

    private String primitive(String name) {
        primitives.add(name);
        return name;
    }

    /** A new rule named after {@code hint}, holding {@code body}; returns its name. */
    private String rule(String hint, String body) {
        String base = hint.replaceAll("[^a-zA-Z0-9-]+", "-").replaceAll("^-+|-+$", "").toLowerCase();
        if (base.isEmpty() || PRIMITIVES.containsKey(base) || base.equals("root")) {
            base = "r-" + (base.isEmpty() ? "x" : base);
        }
        String name = base;
        for (int i = 2; rules.containsKey(name); i++) {
            name = base + "-" + i;
        }
        rules.put(name, body);
        return name;
    }

    /** The grammar expression for {@code s} at JSON pointer {@code at}; {@code hint} names new rules. */
    private String visit(JsonNode s, String at, String hint) {
        if (s.isBoolean()) {
            if (s.asBoolean()) {
                return primitive("value");
            }
            problems.add(at + ": the schema false accepts nothing");
            return primitive("null");
        }
        if (!s.isObject()) {
            problems.add(at + ": a schema must be an object or a boolean");
            return primitive("null");
        }
        Set<String> used = new LinkedHashSet<>();
        s.fieldNames().forEachRemaining(used::add);
        used.removeAll(ANNOTATIONS);

        if (s.has("$ref")) {
            used.remove("$ref");
            unsupported(used, at, "beside $ref");
            return ref(s.get("$ref"), at);
        }
        if (s.has("const")) {
            used.remove("const");
            used.remove("type");
            unsupported(used, at, "beside const");
            return literal(s.get("const"));
        }
        if (s.has("enum")) {
            used.remove("enum");
            used.remove("type");
            unsupported(used, at, "beside enum");
            JsonNode values = s.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                problems.add(at + "/enum: must be a non-empty array");
                return primitive("null");
            }
            List<String> alts = new ArrayList<>();
            for (JsonNode v : values) {
                alts.add(literal(v));
            }
            return "(" + String.join(" | ", alts) + ")";
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (s.has(combinator)) {
                used.remove(combinator);
                unsupported(used, at, "beside " + combinator);
                JsonNode options = s.get(combinator);
                if (!options.isArray() || options.isEmpty()) {
                    problems.add(at + "/" + combinator + ": must be a non-empty array");
                    return primitive("null");
                }
                List<String> alts = new ArrayList<>();
                for (int i = 0; i < options.size(); i++) {
                    alts.add(visit(options.get(i), at + "/" + combinator + "/" + i, hint + "-" + i));
                }
                return "(" + String.join(" | ", alts) + ")";
            }
        }
        JsonNode type = s.get("type");
        used.remove("type");
        if (type == null) {
            // no type: what the other keywords say, else any value
            if (s.has("properties") || s.has("additionalProperties") || s.has("required")) {
                return object(s, used, at, hint);
            }
            if (s.has("items") || s.has("minItems") || s.has("maxItems")) {
                return array(s, used, at, hint);
            }
            unsupported(used, at, null);
            return primitive("value");
        }
        if (type.isArray()) {
            List<String> alts = new ArrayList<>();
            Set<String> remaining = new LinkedHashSet<>(used);
            for (JsonNode t : type) {
                Set<String> mine = new LinkedHashSet<>(used);
                alts.add(typed(t.asText(), s, mine, at, hint + "-" + t.asText()));
                remaining.retainAll(mine);
            }
            unsupported(remaining, at, null);
            if (alts.isEmpty()) {
                problems.add(at + "/type: must not be empty");
                return primitive("null");
            }
            return "(" + String.join(" | ", alts) + ")";
        }
        if (!type.isTextual()) {
            problems.add(at + "/type: must be a string or a list of strings");
            return primitive("null");
        }
        String out = typed(type.asText(), s, used, at, hint);
        unsupported(used, at, null);
        return out;
    }

    /** One type's expression; removes the keywords it consumed from {@code used}. */
    private String typed(String type, JsonNode s, Set<String> used, String at, String hint) {
        return switch (type) {
            case "object" -> object(s, used, at, hint);
            case "array" -> array(s, used, at, hint);
            case "string" -> string(s, used, at);
            case "integer" -> primitive("integer");
            case "number" -> primitive("number");
            case "boolean" -> primitive("boolean");
            case "null" -> primitive("null");
            default -> {
                problems.add(at + "/type: unknown type '" + type + "'");
                yield primitive("null");
            }
        };
    }

    private String string(JsonNode s, Set<String> used, String at) {
        Integer min = nonNegative(s, "minLength", at);
        Integer max = nonNegative(s, "maxLength", at);
        used.remove("minLength");
        used.remove("maxLength");
        if (s.has("format")) {
            used.remove("format");
            String f = s.get("format").asText();
            String body = switch (f) {
                case "date" -> primitive("date");
                case "time" -> primitive("time");
                case "date-time" -> primitive("date") + " \"T\" " + primitive("time");
                case "uuid" -> primitive("uuid");
                default -> null;
            };
            if (body == null) {
                problems.add(at + "/format: format '" + f + "' is not supported (supported: date, time, date-time, uuid)");
                return primitive("string");
            }
            if (min != null || max != null) {
                problems.add(at + ": minLength/maxLength together with format are not supported");
            }
            return "\"\\\"\" " + body + " \"\\\"\" " + primitive("space");
        }
        if (min == null && max == null) {
            return primitive("string");
        }
        int lo = min == null ? 0 : min;
        if (max != null && max < lo) {
            problems.add(at + ": maxLength " + max + " is below minLength " + lo);
        }
        primitive("char");
        return "\"\\\"\" char{" + lo + "," + (max == null ? "" : max) + "} \"\\\"\" " + primitive("space");
    }

    private String array(JsonNode s, Set<String> used, String at, String hint) {
        used.remove("items");
        used.remove("minItems");
        used.remove("maxItems");
        JsonNode items = s.get("items");
        String item;
        if (items == null) {
            item = primitive("value");
        } else if (items.isObject() || items.isBoolean()) {
            String expr = visit(items, at + "/items", hint + "-item");
            item = isName(expr) ? expr : rule(hint + "-item", expr);
        } else {
            problems.add(at + "/items: must be a schema (tuple arrays are not supported)");
            item = primitive("value");
        }
        Integer min = nonNegative(s, "minItems", at);
        Integer max = nonNegative(s, "maxItems", at);
        int lo = min == null ? 0 : min;
        if (max != null && max < lo) {
            problems.add(at + ": maxItems " + max + " is below minItems " + lo);
            max = lo;
        }
        String sp = primitive("space");
        String more = "(\",\" " + sp + " " + item + ")";
        String body;
        if (max != null && max == 0) {
            body = "\"[\" " + sp + " \"]\" " + sp;
        } else if (lo == 0) {
            String rest = max == null ? more + "*" : more + "{0," + (max - 1) + "}";
            body = "\"[\" " + sp + " (" + item + " " + rest + ")? \"]\" " + sp;
        } else {
            String rest = max == null ? more + "{" + (lo - 1) + ",}" : more + "{" + (lo - 1) + "," + (max - 1) + "}";
            body = "\"[\" " + sp + " " + item + " " + rest + " \"]\" " + sp;
        }
        return rule(hint, body);
    }

    private String object(JsonNode s, Set<String> used, String at, String hint) {
        used.remove("properties");
        used.remove("required");
        used.remove("additionalProperties");
        JsonNode props = s.get("properties");
        JsonNode additional = s.get("additionalProperties");
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) {
                problems.add(at + "/required: must be an array of property names");
            } else {
                req.forEach(r -> required.add(r.asText()));
            }
        }
        String sp = primitive("space");
        boolean open = additional != null && !(additional.isBoolean() && !additional.asBoolean());
        if (props == null || props.isEmpty()) {
            for (String r : required) {
                problems.add(at + "/required: '" + r + "' is not among the properties");
            }
            if (!open) {
                if (additional == null && props == null) {
                    return primitive("object"); // {"type": "object"}: any object
                }
                return rule(hint, "\"{\" " + sp + " \"}\" " + sp);
            }
            String value = additional.isBoolean() ? primitive("value") : visit(additional, at + "/additionalProperties", hint + "-value");
            String kv = primitive("string") + " \":\" " + sp + " " + value;
            return rule(hint, "\"{\" " + sp + " (" + kv + " (\",\" " + sp + " " + kv + ")*)? \"}\" " + sp);
        }
        if (!props.isObject()) {
            problems.add(at + "/properties: must be an object");
            return primitive("object");
        }
        if (open) {
            problems.add(at + "/additionalProperties: extra properties beside declared ones are not supported (use false)");
        }
        List<String> kvs = new ArrayList<>();
        List<Boolean> needed = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> p = it.next();
            String name = p.getKey();
            String value = visit(p.getValue(), at + "/properties/" + name, hint + "-" + name);
            String kv = rule(hint + "-" + name + "-kv", literalString(name) + " " + sp + " \":\" " + sp + " " + value);
            kvs.add(kv);
            needed.add(required.contains(name));
        }
        for (String r : required) {
            if (!props.has(r)) {
                problems.add(at + "/required: '" + r + "' is not among the properties");
            }
        }
        // the first property written has no comma; every leading optional one may be the first
        List<String> alts = new ArrayList<>();
        for (int first = 0; first < kvs.size(); first++) {
            StringBuilder alt = new StringBuilder(kvs.get(first));
            for (int j = first + 1; j < kvs.size(); j++) {
                String more = "\",\" " + sp + " " + kvs.get(j);
                alt.append(needed.get(j) ? " " + more : " (" + more + ")?");
            }
            alts.add(alt.toString());
            if (needed.get(first)) {
                break;
            }
        }
        boolean allOptional = !needed.contains(true);
        String members = "(" + String.join(" | ", alts) + ")" + (allOptional ? "?" : "");
        return rule(hint, "\"{\" " + sp + " " + members + " \"}\" " + sp);
    }

    private String ref(JsonNode refNode, String at) {
        String ref = refNode.asText();
        String[] prefixes = {"#/$defs/", "#/definitions/"};
        for (String prefix : prefixes) {
            if (ref.startsWith(prefix)) {
                String name = ref.substring(prefix.length());
                String existing = refRules.get(ref);
                if (existing != null) {
                    return existing;
                }
                JsonNode defs = rootSchema.get(prefix.substring(2, prefix.length() - 1));
                JsonNode target = defs == null ? null : defs.get(name);
                if (target == null) {
                    problems.add(at + "/$ref: '" + ref + "' is not defined");
                    return primitive("null");
                }
                // named first, so that a recursive reference finds the rule
                String rule = rule("def-" + name, "\"\"");
                refRules.put(ref, rule);
                String body = visit(target, ref, "def-" + name);
                rules.put(rule, body);
                return rule;
            }
        }
        problems.add(at + "/$ref: only local references to #/$defs/... or #/definitions/... are supported (got '" + ref + "')");
        return primitive("null");
    }

    private Integer nonNegative(JsonNode s, String key, String at) {
        JsonNode v = s.get(key);
        if (v == null) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            problems.add(at + "/" + key + ": must be a non-negative integer");
            return null;
        }
        return v.asInt();
    }

    private void unsupported(Set<String> keys, String at, String where) {
        if (!keys.isEmpty()) {
            problems.add(at + ": unsupported keyword" + (keys.size() > 1 ? "s " : " ")
                    + String.join(", ", keys) + (where == null ? "" : " " + where));
        }
    }

    private static boolean isName(String expr) {
        return expr.matches("[a-zA-Z0-9-]+");
    }

    /** The exact JSON text of {@code v}, as a grammar literal, followed by optional space. */
    private String literal(JsonNode v) {
        String json;
        try {
            json = JSON.writeValueAsString(v);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return quote(json) + " " + primitive("space");
    }

    /** A property name written as its JSON string literal. */
    private static String literalString(String name) {
        try {
            return quote(JSON.writeValueAsString(name));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A GBNF string literal of {@code text}. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\x%02X", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
