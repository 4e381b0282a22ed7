package com.example.notify.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) in this JVM: the embedded
 * default and the test suite run against it instead of a mock. Not for production.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final int port;
    private final Map<String, Object> clientConfig;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port, Map<String, Object> clientConfig) {
        this.server = server;
        this.port = port;
        this.clientConfig = clientConfig;
    }

    /**
     * Formats {@code logDir} on first use (an existing log is kept, so offsets survive a restart) and
     * starts the broker on {@code port} (0 picks a free one).
     */
    public static EmbeddedKafkaBroker start(Path logDir, int port) {
        return start(logDir, port, Map.of());
    }

    /**
     * As {@link #start(Path, int)}; with {@code plainUsers} (user → password) clients must authenticate with
     * SASL/PLAIN over {@code SASL_PLAINTEXT}, as on a secured cluster.
     */
    public static EmbeddedKafkaBroker start(Path logDir, int port, Map<String, String> plainUsers) {
        try {
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Files.createDirectories(logDir);
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            String protocol = plainUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
            props.put("listeners", protocol + "://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", protocol + "://127.0.0.1:" + brokerPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("listener.security.protocol.map", protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT");
            props.put("inter.broker.listener.name", protocol);
            Map<String, Object> clientConfig = new java.util.HashMap<>();
            clientConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + brokerPort);
            if (!plainUsers.isEmpty()) {
                String brokerSecret = Uuid.randomUuid().toString();
                StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                        .append(" username=\"broker\" password=\"").append(brokerSecret).append('"')
                        .append(" user_broker=\"").append(brokerSecret).append('"');
                plainUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
                props.put("sasl.enabled.mechanisms", "PLAIN");
                props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
                props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
                clientConfig.put("security.protocol", protocol);
                clientConfig.put("sasl.mechanism", "PLAIN");
                clientConfig.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\""
                        + brokerSecret + "\";");
            }
            props.put("log.dirs", logDir.toAbsolutePath().toString());
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "4");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("num.partitions", "4");
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            KafkaConfig config = KafkaConfig.fromProps(props);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                new Formatter()
                        .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                        .setClusterId(Uuid.randomUuid().toString())
                        .setNodeId(1)
                        .setControllerListenerName("CONTROLLER")
                        .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
                        .setDirectories(List.of(logDir.toAbsolutePath().toString()))
                        .setReleaseVersion(MetadataVersion.latestProduction())
                        .run();
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return new EmbeddedKafkaBroker(server, brokerPort, Map.copyOf(clientConfig));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka broker did not start", e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** What a client needs to connect: the address and, on a secured broker, the broker's own credentials. */
    public Map<String, Object> clientConfig() {
        return clientConfig;
    }

    /** Creates the topics that do not exist yet; {@code compacted} ones get {@code cleanup.policy=compact}. */
    public void createTopics(Collection<String> topics, Set<String> compacted, int partitions) {
        Map<String, Map<String, String>> configs = new java.util.HashMap<>();
        compacted.forEach(topic -> configs.put(topic, Map.of("cleanup.policy", "compact")));
        createTopics(topics, configs, partitions);
    }

    /** Creates the topics that do not exist yet, each with its topic configs (none when it has no entry). */
    public void createTopics(Collection<String> topics, Map<String, Map<String, String>> configs, int partitions) {
        try (Admin admin = Admin.create(clientConfig)) {
            for (String topic : topics) {
                NewTopic newTopic = new NewTopic(topic, partitions, (short) 1);
                if (configs.containsKey(topic)) {
                    newTopic.configs(configs.get(topic));
                }
                try {
                    admin.createTopics(List.of(newTopic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + topic, e.getCause());
                    }
                    // an existing topic (a data directory kept across restarts, or one auto-created before this topic
                    // was in the list) gets the configs too: retention must not depend on when a topic was first seen
                    alterConfigs(admin, topic, configs.getOrDefault(topic, Map.of()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void alterConfigs(Admin admin, String topic, Map<String, String> configs) throws InterruptedException {
        if (configs.isEmpty()) {
            return;
        }
        List<org.apache.kafka.clients.admin.AlterConfigOp> ops = configs.entrySet().stream()
                .map(c -> new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(c.getKey(),
                        c.getValue()), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)).toList();
        try {
            admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic), ops)).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not set the configs of topic " + topic, e.getCause());
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
