package com.example.notify.observe;

import com.example.notify.contract.Channels;
import com.example.notify.stage.RetryTierForwarder;
import com.example.notify.stage.RetryTiers;
import com.example.notify.support.TypeSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer lag per stage as gauges ({@code notify_consumer_lag}): the ingest group on the events topic, each
 * channel stage's group on its delivery topic, the retry forwarder's group on each tier topic, and Pardot's
 * deferred group. Every {@code intervalSeconds} one Admin client asks the broker for the groups' committed
 * offsets (one request for all groups) and the topics' end offsets (one request): a few requests per interval
 * whatever the traffic, instead of a Kafka exporter next to the broker. Also {@code notify_retry_overdue_seconds}
 * per tier: how far the oldest record this replica's forwarder holds is past its due time.
 *
 * <p>Every replica reports the same group lag (it is the group's, not the replica's): aggregate with {@code max}.
 * A partition without a committed offset counts from its log start, as the consumers reset to earliest. Labels
 * come from configuration only (stage, channel, tier, group id).
 */
public class StageLag implements CamelContextAware {

    private CamelContext camelContext;
    private TypeSettings settings = TypeSettings.NONE;

    private static final Logger LOG = LoggerFactory.getLogger(StageLag.class);

    /** One consumer group reading one topic; its labels. */
    record Stage(String stage, String channel, String tier, String group, String topic) {
    }

    private Properties clientConfig;
    private String clientConfigBean;
    private String groupId;
    private String eventsTopic;
    private List<String> channels = List.of();
    private long intervalSeconds = 30;
    private NotifyMetrics metrics;
    private RetryTiers retryTiers;
    private RetryTierForwarder retryForwarder;

    private List<Stage> stages = List.of();
    /** Last lag per stage; absent until the first collection and after a failed one (the gauge reads NaN). */
    private volatile Map<Stage, Long> lag = Map.of();
    private ScheduledExecutorService timer;
    private Admin admin;

    /** Once after start (route bind-metrics): registers the gauges and starts collecting. */
    public synchronized void start() {
        if (timer != null) {
            return;
        }
        bindTo(metrics.registry());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stage-lag");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::collectLogged, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    public synchronized void stop() throws InterruptedException {
        if (timer != null) {
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
            timer = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }

    /** The groups and topics of this configuration, in a fixed order. */
    List<Stage> stages() {
        List<Stage> list = new ArrayList<>();
        // the priority lane's groups and topics beside the normal ones (notify.priority.topic-suffix): same stage,
        // told apart by the group label
        Optional<String> prioritySuffix = settings.get("notify.priority.topic-suffix");
        // the low lane's (notify.priority.low-topic-suffix): its lag grows while it yields, by design
        Optional<String> lowSuffix = settings.get("notify.priority.low-topic-suffix").filter(suffix -> !suffix.isBlank());
        list.add(new Stage("ingest", "none", "none", groupId, eventsTopic));
        prioritySuffix.ifPresent(suffix -> list.add(new Stage("ingest", "none", "none", groupId + "-priority", eventsTopic + suffix)));
        for (String channel : channels) {
            String topic = settings.get("notify.kafka.topic.deliver." + channel)
                    .orElseThrow(() -> new IllegalStateException("notify.kafka.topic.deliver." + channel + " is not set"));
            list.add(new Stage("channel", channel, "none", groupId + "-" + channel, topic));
            prioritySuffix.ifPresent(suffix -> list.add(
                    new Stage("channel", channel, "none", groupId + "-" + channel + "-priority", topic + suffix)));
            lowSuffix.ifPresent(suffix -> list.add(new Stage("channel", channel, "none", groupId + "-" + channel + "-low", topic + suffix)));
        }
        if (channels.contains(Channels.PARDOT)) {
            settings.get("notify.kafka.topic.pardot-deferred").ifPresent(topic ->
                    list.add(new Stage("deferred", Channels.PARDOT, "none", groupId + "-pardot-deferred", topic)));
        }
        if (retryTiers != null) {
            List<String> labels = retryTiers.labels();
            List<String> topics = retryTiers.topics();
            for (int i = 0; i < labels.size(); i++) {
                list.add(new Stage("retry", "none", labels.get(i), groupId + "-retry", topics.get(i)));
            }
        }
        return List.copyOf(list);
    }

    /** Gauges exist from the start (NaN until the first collection), so the dashboard and rules see them. */
    void bindTo(MeterRegistry registry) {
        if (clientConfig == null) {
            clientConfig = getCamelContext().getRegistry().lookupByNameAndType(clientConfigBean, Properties.class);
            if (clientConfig == null) {
                throw new IllegalStateException("Kafka client settings bean " + clientConfigBean + " not found");
            }
        }
        if (retryTiers == null) {
            retryTiers = getCamelContext().getRegistry().findSingleByType(RetryTiers.class);
        }
        if (retryForwarder == null) {
            retryForwarder = getCamelContext().getRegistry().findSingleByType(RetryTierForwarder.class);
        }
        stages = stages();
        // a reloaded observe.camel.yaml makes a new bean: the registry would keep the old one's gauges (same ids),
        // reading a stopped bean
        registry.find("notify_consumer_lag").meters().forEach(registry::remove);
        registry.find("notify_retry_overdue_seconds").meters().forEach(registry::remove);
        for (Stage s : stages) {
            Gauge.builder("notify_consumer_lag", this, l -> l.lagOf(s))
                    .description("records the stage's consumer group has not committed yet (per group, not per replica)")
                    .tags("stage", s.stage(), "channel", s.channel(), "tier", s.tier(), "group", s.group())
                    .register(registry);
        }
        if (retryTiers != null && retryForwarder != null) {
            List<String> labels = retryTiers.labels();
            List<String> topics = retryTiers.topics();
            for (int i = 0; i < labels.size(); i++) {
                String topic = topics.get(i);
                Gauge.builder("notify_retry_overdue_seconds", this, l -> l.overdueSeconds(topic, System.currentTimeMillis()))
                        .description("how far the oldest record of the tier held by this replica's forwarder is past its due time (0: none is)")
                        .tags("tier", labels.get(i))
                        .register(registry);
            }
        }
    }

    double lagOf(Stage stage) {
        Long value = lag.get(stage);
        return value == null ? Double.NaN : value;
    }

    double overdueSeconds(String topic, long nowMs) {
        Long due = retryForwarder.oldestDueByTopic().get(topic);
        return due == null ? 0 : Math.max(0, nowMs - due) / 1000.0;
    }

    /** One collection now, failures thrown (tests). */
    void collectNow() throws Exception {
        lag = collect();
    }

    private void collectLogged() {
        try {
            lag = collect();
        } catch (Exception e) {
            lag = Map.of();
            // the class only: Kafka's messages can name brokers and hosts, and the gauges say the rest (NaN)
            LOG.warn("Consumer lag not collected: {}", rootCause(e).getClass().getSimpleName());
        }
    }

    /** One collection: committed offsets of every group and end offsets of every topic, a few requests in all. */
    Map<Stage, Long> collect() throws Exception {
        Admin a = admin();
        long timeout = Math.max(5, intervalSeconds);
        Set<String> topics = new HashSet<>();
        stages.forEach(s -> topics.add(s.topic()));
        Map<String, List<TopicPartition>> partitions = new HashMap<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> d : a.describeTopics(topics).topicNameValues().entrySet()) {
            try {
                TopicDescription description = d.getValue().get(timeout, TimeUnit.SECONDS);
                partitions.put(d.getKey(), description.partitions().stream()
                        .map(p -> new TopicPartition(d.getKey(), p.partition())).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                // not created yet (a retry tier before its first use): nothing waits on it
                partitions.put(d.getKey(), List.of());
            }
        }
        Map<String, ListConsumerGroupOffsetsSpec> groups = new HashMap<>();
        stages.forEach(s -> groups.put(s.group(), new ListConsumerGroupOffsetsSpec()));
        var committedResult = a.listConsumerGroupOffsets(groups);
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        for (String group : groups.keySet()) {
            committed.put(group, committedResult.partitionsToOffsetAndMetadata(group).get(timeout, TimeUnit.SECONDS));
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.values().forEach(list -> list.forEach(tp -> latest.put(tp, OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : a.listOffsets(latest).all().get(timeout, TimeUnit.SECONDS);
        // partitions a group never committed count from the log start (the consumers reset to earliest)
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (Stage s : stages) {
            for (TopicPartition tp : partitions.get(s.topic())) {
                if (offset(committed.get(s.group()), tp) < 0) {
                    earliest.put(tp, OffsetSpec.earliest());
                }
            }
        }
        Map<TopicPartition, ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                : a.listOffsets(earliest).all().get(timeout, TimeUnit.SECONDS);
        Map<Stage, Long> result = new HashMap<>();
        for (Stage s : stages) {
            long total = 0;
            for (TopicPartition tp : partitions.get(s.topic())) {
                long position = offset(committed.get(s.group()), tp);
                if (position < 0) {
                    position = starts.get(tp).offset();
                }
                total += Math.max(0, ends.get(tp).offset() - position);
            }
            result.put(s, total);
        }
        return Map.copyOf(result);
    }

    private static long offset(Map<TopicPartition, OffsetAndMetadata> committed, TopicPartition tp) {
        OffsetAndMetadata o = committed == null ? null : committed.get(tp);
        return o == null ? -1 : o.offset();
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.putAll(clientConfig);
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "notify-stage-lag");
            admin = Admin.create(p);
        }
        return admin;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Brokers and security, as {@link com.example.notify.kafka.KafkaClientProperties} builds them. */
    public void setClientConfig(Properties clientConfig) {
        this.clientConfig = clientConfig;
    }

    /**
     * Or the name of the bundle's shared client settings bean ({@code kafkaClientConfig}), looked up at start:
     * consume-events.camel.yaml declares it, and Camel main creates observe.camel.yaml's beans first (it reads the
     * route files in an order of its own, not by name), where a {@code #kafkaClientConfig} fails start-up.
     */
    public void setClientConfigBean(String clientConfigBean) {
        this.clientConfigBean = clientConfigBean;
    }

    public void setGroupId(String groupId) {
        this.groupId = groupId;
    }

    public void setEventsTopic(String eventsTopic) {
        this.eventsTopic = eventsTopic;
    }

    /** The channels with a stage (notify.channels), comma-separated. */
    public void setChannels(String csv) {
        this.channels = Arrays.stream(csv.split(",")).map(String::strip).filter(c -> !c.isEmpty()).toList();
    }

    public void setIntervalSeconds(long intervalSeconds) {
        this.intervalSeconds = intervalSeconds;
    }

    public void setMetrics(NotifyMetrics metrics) {
        this.metrics = metrics;
    }

    /** Optional: by default the context's single {@link RetryTiers} bean (retry-deliveries.camel.yaml, whose beans are made after these). */
    public void setRetryTiers(RetryTiers retryTiers) {
        this.retryTiers = retryTiers;
    }

    /** Optional: by default the context's single {@link RetryTierForwarder} bean. */
    public void setRetryForwarder(RetryTierForwarder retryForwarder) {
        this.retryForwarder = retryForwarder;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        this.settings = TypeSettings.of(camelContext);
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
