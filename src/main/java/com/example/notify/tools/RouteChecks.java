package com.example.notify.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.catalog.EndpointValidationResult;
import org.apache.camel.catalog.impl.DefaultRuntimeCamelCatalog;
import org.apache.camel.impl.DefaultCamelContext;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * What an integrator's edit to {@code routes/*.camel.yaml} can break, checked without starting anything: the
 * file against the Camel YAML DSL schema (shipped in camel-yaml-dsl), every {@code {{placeholder}}} against
 * the properties of each profile, every endpoint URI against its component's options (Camel's catalog).
 * Each problem names file, line and profile.
 */
public final class RouteChecks {

    /** One finding: {@code file:line: message}. */
    public record Problem(String file, int line, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^{}]+)}}");
    private final JsonSchema schema;
    private final DefaultRuntimeCamelCatalog catalog = new DefaultRuntimeCamelCatalog();
    private final DefaultCamelContext context = new DefaultCamelContext();
    private final YAMLMapper yaml = new YAMLMapper();

    public RouteChecks() throws Exception {
        try (InputStream in = DefaultCamelContext.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/camelYamlDsl.json (camel-yaml-dsl) is not on the classpath");
            }
            // the DSL schema marks options "deprecated", a keyword draft-04 does not know: accept it silently
            JsonMetaSchema v4 = JsonMetaSchema.builder(JsonMetaSchema.getV4()).keyword(new NonValidationKeyword("deprecated")).build();
            schema = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)).metaSchema(v4).build()
                    .getSchema(in, SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build());
        }
        catalog.setCamelContext(context);
    }

    /** Properties per profile: {@code default} is application.properties, {@code <p>} adds application-<p>.properties. */
    public static Map<String, Properties> profiles(Path configDir) throws Exception {
        Properties base = load(configDir.resolve("application.properties"));
        Map<String, Properties> profiles = new TreeMap<>();
        profiles.put("default", base);
        try (var files = Files.newDirectoryStream(configDir, "application-*.properties")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                Properties merged = new Properties();
                merged.putAll(base);
                merged.putAll(load(f));
                profiles.put(name.substring("application-".length(), name.length() - ".properties".length()), merged);
            }
        }
        return profiles;
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }

    /** Components declared as beans in any route file: Camel Main loads them all into one registry. */
    private final Map<String, String> declaredElsewhere = new LinkedHashMap<>();

    /**
     * Registers the components a route file declares as beans (e.g. the admin listener's {@code admin-http}), so
     * other files' endpoints may use them; call for every file before {@link #check}. An unreadable file adds none
     * (check reports it).
     */
    public void declareComponents(Path file) {
        try {
            declaredElsewhere.putAll(componentAliases(compose(Files.readString(file))));
        } catch (Exception e) {
            // reported by check
        }
    }

    public List<Problem> check(Path file, Map<String, Properties> profiles) throws Exception {
        String name = file.normalize().toString();
        String text = Files.readString(file);
        Node tree;
        JsonNode json;
        try {
            tree = compose(text);
            json = yaml.readTree(text);
        } catch (Exception e) {
            return List.of(new Problem(name, lineOf(e.getMessage()), "not valid YAML: " + firstLine(e.getMessage())));
        }
        List<Problem> problems = new ArrayList<>();
        problems.addAll(schemaProblems(name, tree, json));
        Map<String, String> parameters = templateParameters(json);
        Map<String, Properties> withTemplates = withTemplateParameters(parameters, profiles);
        problems.addAll(placeholderProblems(name, text, withTemplates));
        if (problems.isEmpty()) {
            problems.addAll(endpointProblems(name, tree, withTemplates, parameters));
        }
        problems.sort(Comparator.comparingInt(Problem::line));
        return problems;
    }

    private List<Problem> schemaProblems(String file, Node tree, JsonNode json) {
        // keep the most specific message per location: a wrong step makes every oneOf branch complain higher up
        Map<String, ValidationMessage> deepest = new LinkedHashMap<>();
        for (ValidationMessage m : schema.validate(json)) {
            String at = m.getInstanceLocation().toString();
            deepest.merge(at, m, (a, b) -> a);
        }
        List<Problem> problems = new ArrayList<>();
        deepest.forEach((at, m) -> {
            boolean hasDeeper = deepest.keySet().stream().anyMatch(other -> !other.equals(at) && other.startsWith(at + "/"));
            // the schema types numbers as numbers, but Camel resolves a placeholder there at run time
            boolean placeholder = m.getMessage().contains("string found") && scalarAt(tree, at).contains("{{");
            if (!hasDeeper && !placeholder) {
                problems.add(new Problem(file, line(tree, at, m.getProperty()), "schema: " + describe(m)));
            }
        });
        return problems;
    }

    private static String describe(ValidationMessage m) {
        String message = m.getMessage();
        // "/0/route/from/stpes: is not defined in the schema..." reads better without the pointer repeated
        int colon = message.indexOf(": ");
        return (m.getInstanceLocation() + " " + (colon > 0 ? message.substring(colon + 2) : message)).strip();
    }

    /** The file's route template parameters: name → default value, or null when it has none. */
    private static Map<String, String> templateParameters(JsonNode json) {
        Map<String, String> parameters = new LinkedHashMap<>();
        json.forEach(item -> item.path("routeTemplate").path("parameters").forEach(p -> parameters.put(p.path("name").asText(),
                p.hasNonNull("defaultValue") ? p.path("defaultValue").asText() : null)));
        return parameters;
    }

    /**
     * A route template's {@code {{parameter}}} is filled by each templatedRoute, not by the properties: the
     * checks see its default value, or a stand-in ("1": valid wherever a number or a name goes).
     */
    private static Map<String, Properties> withTemplateParameters(Map<String, String> parameters, Map<String, Properties> profiles) {
        if (parameters.isEmpty()) {
            return profiles;
        }
        Map<String, Properties> out = new LinkedHashMap<>();
        profiles.forEach((profile, props) -> {
            Properties copy = new Properties();
            copy.putAll(props);
            parameters.forEach((n, defaultValue) -> copy.setProperty(n, defaultValue != null ? defaultValue : "1"));
            out.put(profile, copy);
        });
        return out;
    }

    private static List<Problem> placeholderProblems(String file, String text, Map<String, Properties> profiles) {
        List<Problem> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].stripLeading().startsWith("#")) {
                continue;
            }
            Matcher m = PLACEHOLDER.matcher(lines[i]);
            while (m.find()) {
                String body = m.group(1).strip();
                if (body.startsWith("?") || body.startsWith("env:") || body.startsWith("sys:") || body.contains(":")) {
                    continue; // optional, environment, or with a default of its own
                }
                for (var profile : profiles.entrySet()) {
                    if (!profile.getValue().containsKey(body)) {
                        problems.add(new Problem(file, i + 1, "placeholder {{" + body + "}} has no value in profile "
                                + profile.getKey() + " (application" + ("default".equals(profile.getKey()) ? "" : "-" + profile.getKey())
                                + ".properties)"));
                    }
                }
            }
        }
        return problems;
    }

    private List<Problem> endpointProblems(String file, Node tree, Map<String, Properties> profiles,
            Map<String, String> templateParameters) {
        List<Problem> problems = new ArrayList<>();
        List<MappingNode> endpoints = new ArrayList<>();
        collectEndpoints(tree, endpoints);
        Map<String, String> aliases = new LinkedHashMap<>(declaredElsewhere);
        aliases.putAll(componentAliases(tree));
        for (MappingNode endpoint : endpoints) {
            String uri = null;
            Map<String, String> parameters = new LinkedHashMap<>();
            int line = endpoint.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
            for (NodeTuple t : endpoint.getValue()) {
                String key = scalar(t.getKeyNode());
                if ("uri".equals(key)) {
                    uri = scalar(t.getValueNode());
                    line = t.getValueNode().getStartMark().map(mark -> mark.getLine() + 1).orElse(line);
                } else if ("parameters".equals(key) && t.getValueNode() instanceof MappingNode params) {
                    params.getValue().forEach(p -> parameters.put(scalar(p.getKeyNode()), scalar(p.getValueNode())));
                }
            }
            if (uri == null || uri.contains("${")) {
                continue; // toD with an expression: known only at run time
            }
            String whole = uri.strip();
            String parameter = whole.startsWith("{{") && whole.endsWith("}}") ? whole.substring(2, whole.length() - 2).strip() : null;
            if (parameter != null && templateParameters.containsKey(parameter) && templateParameters.get(parameter) == null) {
                continue; // the endpoint is a template parameter without a default: each templatedRoute names it
            }
            String checked = withDeclaredScheme(uri, aliases);
            for (var profile : profiles.entrySet()) {
                String resolved = resolve(checked, profile.getValue());
                StringBuilder full = new StringBuilder(resolved);
                parameters.forEach((k, v) -> full.append(full.indexOf("?") < 0 ? '?' : '&').append(k).append('=')
                        .append(resolve(v, profile.getValue())));
                EndpointValidationResult result = catalog.validateEndpointProperties(full.toString(), false, false, false);
                if (!result.isSuccess() || result.getUnknownComponent() != null) {
                    String why = result.getUnknownComponent() != null
                            ? "unknown component '" + result.getUnknownComponent() + "' (no such Camel component on the classpath)"
                            : result.summaryErrorMessage(false, false, false).strip().replaceAll("\\s*\\n\\s*", "; ");
                    problems.add(new Problem(file, line, "endpoint " + uri + " in profile " + profile.getKey() + ": " + why));
                }
            }
        }
        return problems;
    }

    /**
     * Components the file declares as beans (e.g. {@code admin-http}, a second platform-http on its own port):
     * bean name → the scheme of the catalog component whose class the bean has.
     */
    private static Map<String, String> componentAliases(Node tree) {
        Map<String, String> aliases = new LinkedHashMap<>();
        if (!(tree instanceof SequenceNode items)) {
            return aliases;
        }
        for (Node item : items.getValue()) {
            if (!(item instanceof MappingNode map)) {
                continue;
            }
            for (NodeTuple t : map.getValue()) {
                if ("beans".equals(scalar(t.getKeyNode())) && t.getValueNode() instanceof SequenceNode beans) {
                    for (Node bean : beans.getValue()) {
                        if (bean instanceof MappingNode b) {
                            String name = null;
                            String type = null;
                            for (NodeTuple bt : b.getValue()) {
                                if ("name".equals(scalar(bt.getKeyNode()))) {
                                    name = scalar(bt.getValueNode());
                                } else if ("type".equals(scalar(bt.getKeyNode()))) {
                                    type = scalar(bt.getValueNode());
                                }
                            }
                            String scheme = type == null ? null : schemeOfComponentClass(type.replaceFirst("^#class:", ""));
                            if (name != null && scheme != null) {
                                aliases.put(name, scheme);
                            }
                        }
                    }
                }
            }
        }
        return aliases;
    }

    /** The scheme a component class is registered under ({@code @Component("platform-http")}), or null. */
    private static String schemeOfComponentClass(String className) {
        try {
            var annotation = Class.forName(className).getAnnotation(org.apache.camel.spi.annotations.Component.class);
            return annotation == null ? null : annotation.value().split(",")[0].strip();
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // not on the classpath: its endpoints are reported as unknown components
        }
    }

    private static String withDeclaredScheme(String uri, Map<String, String> aliases) {
        int colon = uri.indexOf(':');
        String scheme = colon < 0 ? null : aliases.get(uri.substring(0, colon));
        return scheme == null ? uri : scheme + uri.substring(colon);
    }

    /** Mappings that carry an endpoint: a {@code uri} key (from, to, toD, enrich, wireTap, …). */
    private static void collectEndpoints(Node node, List<MappingNode> out) {
        if (node instanceof MappingNode map) {
            boolean hasUri = map.getValue().stream().anyMatch(t -> "uri".equals(scalar(t.getKeyNode())));
            if (hasUri) {
                out.add(map);
            }
            map.getValue().forEach(t -> collectEndpoints(t.getValueNode(), out));
        } else if (node instanceof SequenceNode seq) {
            seq.getValue().forEach(n -> collectEndpoints(n, out));
        }
    }

    /** Placeholders replaced as Camel would for this profile; environment lookups take their default or a stand-in. */
    static String resolve(String value, Properties props) {
        String current = value;
        for (int depth = 0; depth < 10 && current.contains("{{"); depth++) {
            Matcher m = PLACEHOLDER.matcher(current);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String body = m.group(1).strip();
                String replacement;
                if (body.startsWith("env:") || body.startsWith("sys:")) {
                    String[] parts = body.split(":", 3);
                    replacement = parts.length == 3 ? parts[2] : "env-" + parts[1];
                } else {
                    String key = body.startsWith("?") ? body.substring(1) : body;
                    String fallback = null;
                    int colon = key.indexOf(':');
                    if (colon > 0) {
                        fallback = key.substring(colon + 1);
                        key = key.substring(0, colon);
                    }
                    replacement = props.getProperty(key, fallback == null ? "" : fallback);
                }
                m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(out);
            current = out.toString();
        }
        return current;
    }

    private static Node compose(String text) {
        LoadSettings settings = LoadSettings.builder().build();
        return new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode()
                .orElseThrow(() -> new IllegalArgumentException("empty file"));
    }

    private static String scalarAt(Node root, String pointer) {
        String value = scalar(nodeAt(root, pointer));
        return value == null ? "" : value;
    }

    /** The line (1-based) of the node a JSON pointer such as {@code /0/route/from/steps/2} points at. */
    private static int line(Node root, String pointer, String property) {
        Node node = nodeAt(root, pointer);
        if (property != null && node instanceof MappingNode map) {
            // an unknown key: point at the key itself, not at the mapping that holds it
            for (NodeTuple t : map.getValue()) {
                if (property.equals(scalar(t.getKeyNode()))) {
                    node = t.getKeyNode();
                }
            }
        }
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }

    /** The node a JSON pointer points at, or the deepest existing one on its way. */
    private static Node nodeAt(Node root, String pointer) {
        Node node = root;
        for (String segment : pointer.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            Node next = null;
            if (node instanceof SequenceNode seq && segment.chars().allMatch(Character::isDigit)) {
                int i = Integer.parseInt(segment);
                next = i < seq.getValue().size() ? seq.getValue().get(i) : null;
            } else if (node instanceof MappingNode map) {
                for (NodeTuple t : map.getValue()) {
                    if (segment.replace("~1", "/").replace("~0", "~").equals(scalar(t.getKeyNode()))) {
                        next = t.getValueNode();
                        break;
                    }
                }
            }
            if (next == null) {
                break;
            }
            node = next;
        }
        return node;
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode s ? s.getValue() : null;
    }

    private static int lineOf(String message) {
        Matcher m = Pattern.compile("line (\\d+)").matcher(message == null ? "" : message);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.split("\n", 2)[0];
    }
}
