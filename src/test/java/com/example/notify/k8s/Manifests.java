package com.example.notify.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The objects an overlay renders to, rendered by the real kubectl kustomize with its defaults (the load restrictor
 * on, as {@code kubectl apply -k}, Argo CD and Flux render), and what the tests ask of them.
 */
final class Manifests {

    final List<JsonNode> objects;
    final String yaml;

    private Manifests(String yaml, List<JsonNode> objects) {
        this.yaml = yaml;
        this.objects = objects;
    }

    static boolean kubectlPresent() {
        boolean present = new File("/usr/bin/kubectl").canExecute() || new File("/usr/local/bin/kubectl").canExecute();
        if (!present && "true".equals(System.getenv("NOTIFY_REQUIRE_KUBECTL"))) {
            throw new IllegalStateException("kubectl is required (NOTIFY_REQUIRE_KUBECTL=true) but not installed");
        }
        return present;
    }

    static Manifests render(String overlay) throws Exception {
        String yaml = run(Path.of("."), null, "kubectl", "kustomize", "k8s/overlays/" + overlay);
        List<JsonNode> objects = new ArrayList<>();
        new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(yaml).forEachRemaining(objects::add);
        return new Manifests(yaml, objects);
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode one(String kind) {
        List<JsonNode> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    /** ConfigMaps by their name without kustomize's hash suffix. */
    Map<String, JsonNode> configMaps() {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode cm : ofKind("ConfigMap")) {
            byName.put(cm.path("metadata").path("name").asText().replaceAll("-[a-z0-9]{10}$", ""), cm);
        }
        return byName;
    }

    JsonNode container() {
        return one("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    }

    Optional<String> env(String name) {
        for (JsonNode e : container().path("env")) {
            if (name.equals(e.path("name").asText()) && e.has("value")) {
                return Optional.of(e.path("value").asText());
            }
        }
        return Optional.empty();
    }

    /** The image's files under its working directory (k8s/Dockerfile's {@code COPY <repo path> /config/...}): repo path by image path. */
    static Map<String, String> imageConfigFiles() throws Exception {
        Map<String, String> copies = new LinkedHashMap<>();
        for (String line : java.nio.file.Files.readAllLines(Path.of("k8s/Dockerfile"))) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 3 && words[0].equals("COPY") && words[2].startsWith("/config/")) {
                copies.put(words[2], words[1]);
            }
        }
        return copies;
    }

    /** Runs a command in {@code dir}, optionally feeding stdin; fails with its output when it exits non-zero. */
    static String run(Path dir, String stdin, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes());
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
        }
        return out;
    }
}
