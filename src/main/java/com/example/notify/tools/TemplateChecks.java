package com.example.notify.tools;

import com.example.notify.email.TemplateRenderer;
import com.example.notify.event.EventValidator;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.InvalidEventException;
import com.example.notify.failure.PermanentFailureException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The template half of {@code bin/validate-routes}: every part of every template (templates/&lt;name&gt;/) in every
 * locale it has a file for, and the default locale, is rendered the way delivery renders it
 * ({@link TemplateRenderer}) against (1) each example event in examples/events/ that names the template and (2) a
 * generated event holding every parameter the template's parts use. Templates do not declare their parameters,
 * so the generated event is found by rendering: each missing parameter the renderer reports is added with a
 * sample value and the render repeated (bounded). A missing value, a broken template or a {@code webhook.ftl}
 * that does not render JSON is a problem ({@code templates/<name>/<file>: what}).
 */
public final class TemplateChecks {

    static final List<String> PARTS = List.of("subject.ftl", "text.ftl", "html.ftlh", "webhook.ftl");
    private static final Pattern LOCALE_SUFFIX = Pattern.compile("^[a-z]+_([a-z]{2,3}(?:_[A-Z]{2})?)\\.[a-z]+$");
    private static final Pattern MISSING = Pattern.compile("needs parameter '([^']+)'");
    private static final int MAX_ROUNDS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TemplateRenderer renderer;
    private final Path templates;

    public TemplateChecks(Path templates, String defaultLocale) {
        this.templates = templates;
        this.renderer = new TemplateRenderer();
        renderer.setDirectory(templates.toString());
        renderer.setDefaultLocale(defaultLocale);
        renderer.setUpdateDelaySeconds(0);
    }

    /** Problems of every template under the templates folder against the events in {@code examples} (may be absent). */
    public List<String> check(Path examples) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, List<NamedEvent>> byTemplate = exampleEvents(examples, problems);
        for (String template : templateNames()) {
            for (String locale : localesOf(template)) {
                for (NamedEvent example : byTemplate.getOrDefault(template, List.of())) {
                    renderAll(template, locale, TemplateRenderer.modelOf(example.event()), example.name(), problems);
                }
                generated(template, locale, problems);
            }
        }
        return problems;
    }

    /** The template folders, sorted. */
    public List<String> templateNames() throws IOException {
        if (!Files.isDirectory(templates)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(templates)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        }
    }

    /** null (the default locale) and every locale a file of the template is written for, e.g. {@code de}, {@code de-AT}. */
    public List<String> localesOf(String template) throws IOException {
        TreeSet<String> locales = new TreeSet<>();
        try (Stream<Path> files = Files.list(templates.resolve(template))) {
            files.forEach(f -> {
                Matcher m = LOCALE_SUFFIX.matcher(f.getFileName().toString());
                if (m.matches()) {
                    locales.add(m.group(1).replace('_', '-'));
                }
            });
        }
        List<String> all = new ArrayList<>();
        all.add(null);
        all.addAll(locales);
        return all;
    }

    /** The model of a generated event: every parameter the template's parts ask for in this locale, with sample values. */
    public Map<String, Object> generatedModel(String template, String locale) {
        Map<String, Object> model = baseModel();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String missing = null;
            for (String part : PARTS) {
                try {
                    renderer.renderPart(template, part, locale, model, false);
                } catch (java.io.UncheckedIOException e) {
                    return model; // unparsable: reported by renderAll
                } catch (PermanentFailureException e) {
                    Matcher m = MISSING.matcher(String.valueOf(e.getMessage()));
                    if (!TemplateRenderer.TEMPLATE_PARAMETER_MISSING.equals(e.reason()) || !m.find()) {
                        return model;
                    }
                    missing = m.group(1);
                    break;
                }
            }
            if (missing == null || !addSample(model, missing)) {
                return model;
            }
        }
        return model;
    }

    private void generated(String template, String locale, List<String> problems) {
        renderAll(template, locale, generatedModel(template, locale), "a generated event with every parameter", problems);
    }

    private void renderAll(String template, String locale, Map<String, Object> model, String against, List<String> problems) {
        String where = "locale " + (locale == null ? "default" : locale) + ", " + against;
        for (String part : PARTS) {
            boolean required = part.startsWith("subject") || part.startsWith("text");
            String file;
            try {
                file = renderer.sourceOf(template, part, locale);
            } catch (java.io.UncheckedIOException e) {
                // a template FreeMarker cannot parse (ParseException is an IOException)
                problems.add(templates.resolve(template + "/" + part) + ": " + where + ": " + e.getCause().getMessage().lines().findFirst().orElse(""));
                continue;
            }
            try {
                String out = renderer.renderPart(template, part, locale, model, required);
                if (out != null && part.equals("webhook.ftl")) {
                    try {
                        JSON.readTree(out);
                    } catch (IOException e) {
                        problems.add(templates.resolve(file) + ": " + where + ": does not render valid JSON");
                    }
                }
            } catch (PermanentFailureException e) {
                problems.add(templates.resolve(file == null ? template + "/" + part : file) + ": " + where + ": " + e.getMessage());
            }
        }
    }

    private static Map<String, Object> baseModel() {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("recipient", new LinkedHashMap<>(Map.of("name", "Sample Name")));
        model.put("event", new LinkedHashMap<>(Map.of("id", "sample-id", "type", "com.example.sample", "time", "2026-01-01T00:00:00Z")));
        model.put("unsubscribeUrl", "https://example.com/unsubscribe/sample");
        // what a digest template (notify.digest.template, templates/digest) gets besides: its items and the digest
        List<Map<String, Object>> items = new java.util.ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            items.add(new LinkedHashMap<>(Map.of("id", "sample-item-" + i, "source", "/sample", "type", "com.example.sample",
                    "time", "2026-01-01T00:0" + i + ":00Z", "subject", "Sample item " + i, "params", new LinkedHashMap<>())));
        }
        model.put("items", items);
        model.put("digest", new LinkedHashMap<>(Map.of("id", "sample-digest", "count", items.size())));
        return model;
    }

    /** Puts a sample value at a dotted name ({@code amount}, {@code order.total}); false when it cannot. */
    @SuppressWarnings("unchecked")
    static boolean addSample(Map<String, Object> model, String expression) {
        if (!expression.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
            return false; // e.g. an expression with a built-in: not a parameter we can supply
        }
        String[] path = expression.split("\\.");
        Map<String, Object> at = model;
        for (int i = 0; i < path.length - 1; i++) {
            Object next = at.get(path[i]);
            if (next == null) {
                next = new LinkedHashMap<String, Object>();
                at.put(path[i], next);
            }
            if (!(next instanceof Map)) {
                return false;
            }
            at = (Map<String, Object>) next;
        }
        if (at.containsKey(path[path.length - 1])) {
            return false;
        }
        at.put(path[path.length - 1], "sample-" + path[path.length - 1]);
        return true;
    }

    private record NamedEvent(String name, NotificationEvent event) {
    }

    private static Map<String, List<NamedEvent>> exampleEvents(Path examples, List<String> problems) throws IOException {
        Map<String, List<NamedEvent>> byTemplate = new LinkedHashMap<>();
        if (examples == null || !Files.isDirectory(examples)) {
            return byTemplate;
        }
        EventValidator validator = new EventValidator();
        List<Path> files;
        try (Stream<Path> s = Files.list(examples)) {
            files = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            try {
                NotificationEvent event = validator.validate(Files.readAllBytes(file), Map.of());
                if (event.getTemplate() != null) {
                    byTemplate.computeIfAbsent(event.getTemplate(), t -> new ArrayList<>())
                            .add(new NamedEvent("examples/events/" + file.getFileName(), event));
                }
            } catch (InvalidEventException e) {
                // examples of refused events (malformed.json, unknown-channel.json) are there on purpose
            }
        }
        return byTemplate;
    }
}
