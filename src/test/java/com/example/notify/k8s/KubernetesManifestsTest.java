package com.example.notify.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/: both overlays render with the real kubectl kustomize, every object validates against the Kubernetes,
 * KEDA and prometheus-operator schemas (npm kubernetes-models, src/test/k8s-validator), and what they say
 * agrees with the repo: they render with kustomize's defaults (no file outside k8s/), the image holds the
 * routes, templates and properties where the app reads them, the overlay's overrides ConfigMap names known keys
 * only and is mounted where NOTIFY_CONFIG_OVERRIDES points, the monitoring copies equal monitoring/, KEDA watches every stage's group and topic as the app names them, and the per-replica
 * Pardot concurrency times the replicas stays within Pardot's 5.
 * .ci/run sets NOTIFY_REQUIRE_KUBECTL=true, so there these tests cannot skip.
 */
class KubernetesManifestsTest {

    static final Map<String, Manifests> RENDERED = new HashMap<>();
    static final Properties APP = new Properties();

    @BeforeAll
    static void render() throws Exception {
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            APP.load(in);
        }
    }

    static Manifests overlay(String name) throws Exception {
        assumeTrue(Manifests.kubectlPresent(), "kubectl not installed");
        if (!RENDERED.containsKey(name)) {
            RENDERED.put(name, Manifests.render(name));
        }
        return RENDERED.get(name);
    }

    static Map<String, String> filesIn(Path dir, String glob) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (var stream = Files.newDirectoryStream(dir, glob)) {
            for (Path f : stream) {
                if (Files.isRegularFile(f)) {
                    files.put(f.getFileName().toString(), Files.readString(f));
                }
            }
        }
        return files;
    }

    static Map<String, String> data(JsonNode configMap) {
        Map<String, String> data = new TreeMap<>();
        configMap.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void rendersAndEveryObjectValidatesAgainstItsSchema(String name) throws Exception {
        Manifests m = overlay(name);
        String report = Manifests.run(Path.of("src/test/k8s-validator"), m.yaml, "node", "validate.mjs");
        assertThat(report).contains(m.objects.size() + " objects, 0 invalid").doesNotContain("INVALID");
        assertThat(m.objects).extracting(o -> o.path("kind").asText()).contains("Deployment", "Service", "ServiceMonitor",
                "PrometheusRule", "PodDisruptionBudget", "NetworkPolicy", "ScaledObject", "ConfigMap", "ServiceAccount");
    }

    /**
     * The admin listener (dead-letter replay) is admitted only from the operators' namespaces: every ingress rule
     * that reaches the admin port (by number, by the container port's name, by a range, or by naming no port at
     * all) admits exactly the namespaces labelled notification-routes.example.com/operators=true, never every
     * namespace (an empty namespaceSelector), never any source (no from), never an ipBlock.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void adminPortIsAdmittedOnlyFromTheOperatorsNamespaces(String name) throws Exception {
        Manifests m = overlay(name);
        int admin = Integer.parseInt(APP.getProperty("notify.admin.port").replaceAll(".*:(\\d+)}}$", "$1"));
        assertThat(admin).isEqualTo(9877);
        java.util.Set<String> adminNames = new java.util.HashSet<>();
        m.one("Deployment").path("spec").path("template").path("spec").path("containers").forEach(c ->
                c.path("ports").forEach(p -> {
                    if (p.path("containerPort").asInt() == admin && p.hasNonNull("name")) {
                        adminNames.add(p.path("name").asText());
                    }
                }));
        int admitting = 0;
        for (JsonNode policy : m.ofKind("NetworkPolicy")) {
            for (JsonNode rule : policy.path("spec").path("ingress")) {
                boolean reachesAdmin = !rule.has("ports") || rule.path("ports").isEmpty();
                for (JsonNode port : rule.path("ports")) {
                    JsonNode p = port.path("port");
                    reachesAdmin |= p.isMissingNode()
                            || (p.isInt() && (p.asInt() == admin || (port.has("endPort") && p.asInt() <= admin && admin <= port.path("endPort").asInt())))
                            || (p.isTextual() && (adminNames.contains(p.asText()) || p.asText().equals(String.valueOf(admin))));
                }
                if (!reachesAdmin) {
                    continue;
                }
                admitting++;
                assertThat(rule.path("from").isArray() && !rule.path("from").isEmpty())
                        .as("%s: a rule reaching the admin port names its sources", name).isTrue();
                for (JsonNode from : rule.path("from")) {
                    assertThat(from.has("ipBlock")).as("%s: no ipBlock to the admin port", name).isFalse();
                    assertThat(from.path("namespaceSelector").path("matchLabels").size()).as("%s: only the operators' label", name).isEqualTo(1);
                    assertThat(from.path("namespaceSelector").path("matchLabels").path("notification-routes.example.com/operators").asText())
                            .as("%s: admin port only from the operators' namespaces, never all", name).isEqualTo("true");
                    assertThat(from.path("namespaceSelector").has("matchExpressions")).isFalse();
                }
            }
        }
        assertThat(admitting).as("%s: the admin port is admitted from the operators' namespaces", name).isPositive();
    }

    /** The image holds the repo's routes, templates and properties in its working directory (k8s/Dockerfile). */
    @org.junit.jupiter.api.Test
    void imageHoldsTheRepoRoutesTemplatesAndPropertiesInItsWorkingDirectory() throws Exception {
        assertThat(Manifests.imageConfigFiles()).isEqualTo(Map.of("/config/routes/", "routes/", "/config/templates/", "templates/",
                "/config/application.properties", "application.properties"));
        assertThat(Files.readAllLines(Path.of("k8s/Dockerfile"))).contains("WORKDIR /config");
        assertThat(APP.getProperty("camel.main.routes-include-pattern")).isEqualTo("file:routes/*.camel.yaml");
        assertThat(APP.getProperty("notify.email.templates-dir")).isEqualTo("templates");
    }

    /**
     * The overlay renders only what a deployment changes as ConfigMaps: its own overrides file, holding only keys
     * application.properties has (a misspelt or renamed key would be ignored without a word), and the Grafana
     * dashboard. Nothing of the image's configuration is copied into a ConfigMap.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void overridesConfigMapIsTheOverlaysFileWithKnownKeysOnly(String name) throws Exception {
        Map<String, JsonNode> cms = overlay(name).configMaps();
        assertThat(cms.keySet()).containsExactlyInAnyOrder("notify-overrides", "notify-grafana-dashboard");
        Path file = Path.of("k8s/overlays", name, "overrides.properties");
        assertThat(data(cms.get("notify-overrides"))).isEqualTo(Map.of("application.properties", Files.readString(file)));
        Properties overrides = overrides(name);
        assertThat(overrides.stringPropertyNames()).as("keys of %s that application.properties does not know", file)
                .allMatch(APP::containsKey);
    }

    static Properties overrides(String name) throws Exception {
        Properties overrides = new Properties();
        overrides.load(new java.io.StringReader(data(overlay(name).configMaps().get("notify-overrides")).get("application.properties")));
        return overrides;
    }

    /**
     * k8s/components/monitoring holds copies of monitoring/alerts.yml and monitoring/grafana-dashboard.json (kustomize
     * reads nothing outside k8s/ by default): they must stay byte for byte the same, and the overlays ship them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"alerts.yml", "grafana-dashboard.json"})
    void monitoringComponentFilesAreCopiesOfMonitoring(String file) throws Exception {
        assertThat(Files.mismatch(Path.of("monitoring", file), Path.of("k8s/components/monitoring", file)))
                .as("k8s/components/monitoring/%s differs from monitoring/%s: cp monitoring/%s k8s/components/monitoring/", file, file, file)
                .isEqualTo(-1L);
        for (String name : new String[] {"dev", "prod"}) {
            assertThat(data(overlay(name).configMaps().get("notify-grafana-dashboard")))
                    .isEqualTo(filesIn(Path.of("monitoring"), "grafana-dashboard.json"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void deploymentMountsTheConfigurationWhereTheAppReadsItAndRunsLocked(String name) throws Exception {
        Manifests m = overlay(name);
        JsonNode pod = m.one("Deployment").path("spec").path("template").path("spec");
        JsonNode container = m.container();
        Map<String, String> mountOfVolume = new HashMap<>();
        container.path("volumeMounts").forEach(v -> mountOfVolume.put(v.path("name").asText(), v.path("mountPath").asText()));
        Map<String, String> mountOfConfigMap = new TreeMap<>();
        pod.path("volumes").forEach(v -> {
            if (v.has("configMap")) {
                String cm = v.path("configMap").path("name").asText().replaceAll("-[a-z0-9]{10}$", "");
                mountOfConfigMap.put(cm, mountOfVolume.get(v.path("name").asText()));
            }
        });
        String workDir = container.path("workingDir").asText();
        assertThat(workDir).as("the image's WORKDIR, where it holds its configuration").isEqualTo("/config");
        assertThat(Manifests.imageConfigFiles().keySet()).allMatch(path -> path.startsWith(workDir + "/"));
        assertThat(mountOfConfigMap).as("only the overrides are mounted, beside the image's configuration")
                .containsOnlyKeys("notify-overrides").containsEntry("notify-overrides", workDir + "/overrides");
        assertThat(workDir + "/" + m.env("NOTIFY_CONFIG_OVERRIDES").orElseThrow())
                .isEqualTo(mountOfConfigMap.get("notify-overrides") + "/application.properties");

        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
        assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/observe/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/observe/health/live");
        assertThat(container.path("ports").findValuesAsText("containerPort"))
                .containsExactlyInAnyOrder(m.env("NOTIFY_MANAGEMENT_PORT").orElseThrow(), m.env("NOTIFY_HTTP_PORT").orElseThrow(),
                        m.env("NOTIFY_ADMIN_PORT").orElseThrow());
        assertThat(container.path("resources").path("limits").path("memory").asText()).isNotEmpty();
        assertThat(m.env("JAVA_TOOL_OPTIONS").orElseThrow()).contains("MaxRAMPercentage");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt())
                .isGreaterThan(Integer.parseInt(APP.getProperty("camel.main.shutdown-timeout")));
        assertThat(container.path("envFrom").get(0).path("secretRef").path("name").asText()).isEqualTo("notification-routes-secrets");
        container.path("env").forEach(e -> assertThat(e.path("name").asText())
                .as("secrets come from the Secret, not from literal env values")
                .doesNotContainPattern("PASSWORD|SECRET|TOKEN|AUTHORIZATION|JAAS"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void kedaScalesOnEveryStagesConsumerGroupWithinPartitionsAndPardotsConcurrency(String name) throws Exception {
        Manifests m = overlay(name);
        JsonNode scaled = m.one("ScaledObject");
        // one trigger per consumer group that takes traffic: the events group and each channel stage's group on its
        // delivery topic, as the app names them (not the retry group: its lag is deliveries waiting by design)
        String group = APP.getProperty("notify.kafka.group-id");
        Map<String, String> expected = new TreeMap<>();
        String priority = APP.getProperty("notify.priority.topic-suffix");
        expected.put(group, resolve("notify.kafka.topic.events"));
        expected.put(group + "-priority", resolve("notify.kafka.topic.events") + priority);
        for (String channel : APP.getProperty("notify.channels").split(",")) {
            expected.put(group + "-" + channel.strip(), resolve("notify.kafka.topic.deliver." + channel.strip()));
            expected.put(group + "-" + channel.strip() + "-priority", resolve("notify.kafka.topic.deliver." + channel.strip()) + priority);
            expected.put(group + "-" + channel.strip() + "-low", resolve("notify.kafka.topic.deliver." + channel.strip())
                    + APP.getProperty("notify.priority.low-topic-suffix"));
        }
        Map<String, String> watched = new TreeMap<>();
        JsonNode triggers = scaled.path("spec").path("triggers");
        JsonNode firstAuth = triggers.get(0).path("authenticationRef");
        for (JsonNode trigger : triggers) {
            assertThat(trigger.path("type").asText()).isEqualTo("kafka");
            assertThat(watched.put(trigger.path("metadata").path("consumerGroup").asText(), trigger.path("metadata").path("topic").asText()))
                    .as("one trigger per group").isNull();
            assertThat(trigger.path("metadata").path("bootstrapServers").asText()).isEqualTo(m.env("NOTIFY_KAFKA_BROKERS").orElseThrow());
            assertThat(trigger.path("metadata").path("allowIdleConsumers").asText()).isEqualTo("false");
            assertThat(trigger.path("authenticationRef")).as("every trigger authenticates like the first").isEqualTo(firstAuth);
        }
        assertThat(watched).isEqualTo(expected);
        assertThat(scaled.path("spec").path("scaleTargetRef").path("name").asText())
                .isEqualTo(m.one("Deployment").path("metadata").path("name").asText());

        int maxReplicas = scaled.path("spec").path("maxReplicaCount").asInt();
        int partitions = scaled.path("metadata").path("annotations").path("notify.example.com/events-partitions").asInt();
        assertThat(maxReplicas).isBetween(1, partitions);
        int pardotConcurrent = Integer.parseInt(m.env("NOTIFY_PARDOT_MAX_CONCURRENT")
                .orElse(overrides(name).getProperty("notify.pardot.max-concurrent", APP.getProperty("notify.pardot.max-concurrent"))));
        // the limits are cluster-wide (ChannelShares); a replica that owns partitions keeps at least one request
        // slot, so more replicas than Pardot's 5 concurrent requests could exceed them together
        assertThat(pardotConcurrent).as("Pardot allows 5 concurrent requests per business unit").isBetween(1, 5);
        assertThat(maxReplicas).as("each of %d replicas keeps one of Pardot's %d request slots", maxReplicas, pardotConcurrent)
                .isLessThanOrEqualTo(pardotConcurrent);
    }

    /** A property of application.properties with its {{placeholders}} resolved from the same file. */
    static String resolve(String key) {
        String value = APP.getProperty(key);
        assertThat(value).as(key).isNotNull();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\\{([^}:]+)}}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(resolve(m.group(1))));
        }
        return m.appendTail(out).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void prometheusRuleIsTheRepoAlertFile(String name) throws Exception {
        JsonNode rendered = overlay(name).one("PrometheusRule");
        JsonNode file = new YAMLMapper().readTree(Path.of("monitoring/alerts.yml").toFile());
        assertThat(rendered.path("spec")).isEqualTo(file.path("spec"));
        assertThat(rendered.path("spec").path("groups").get(0).path("rules")).hasSize(14);
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/secret.example.yaml"})
    void secretExampleValidatesAndHoldsPlaceholdersOnly(String file) throws Exception {
        String yaml = Files.readString(Path.of(file));
        assertThat(Manifests.run(Path.of("src/test/k8s-validator"), yaml, "node", "validate.mjs")).contains("1 objects, 0 invalid");
        JsonNode secret = new YAMLMapper().readTree(yaml);
        secret.path("stringData").fields().forEachRemaining(e -> {
            if (e.getKey().matches(".*(PASSWORD|SECRET|AUTHORIZATION|JAAS|USERNAME|CLIENT_ID|KEY_ID|TOKEN|WEBHOOK).*")) {
                assertThat(e.getValue().asText()).as(e.getKey()).contains("<");
            }
        });
    }
}
