package com.example.notify.observe;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import com.example.notify.idempotency.PartitionedDedupeStore;
import org.apache.camel.ServiceStatus;
import org.apache.camel.StatefulService;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.spi.IdempotentRepository;

/**
 * Readiness: the idempotency store is warm and every consumer of the events group, of each channel stage's
 * group and of the retry tier forwarder's group has been through a rebalance (has its assignment, possibly empty when replicas outnumber partitions). Camel's own Kafka
 * consumer check only says the client polls; a consumer still joining the group would take no traffic.
 *
 * <p>The assignment is read from the Kafka client's own coordinator metrics (JMX), so nothing in the
 * consumer has to be wrapped. The dedupe store restores a partition inside the consumer's rebalance (see
 * {@code DedupeSubscribeAdapter}); readiness stays down while any restore runs.
 */
public class EventsConsumerReadiness extends AbstractHealthCheck {

    private static final String COORDINATOR_METRICS = "kafka.consumer:type=consumer-coordinator-metrics,*";

    private String groupId;
    private List<String> channels = List.of();
    private boolean priorityLane;
    private String retryGroup = "";
    private String idempotentRepository;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

    public EventsConsumerReadiness() {
        super("notify", "events-consumer");
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Object repository = getCamelContext().getRegistry().lookupByNameAndType(idempotentRepository, IdempotentRepository.class);
        if (repository == null) {
            builder.down().message("idempotency store " + idempotentRepository + " not found");
            return;
        }
        if (repository instanceof StatefulService service && service.getStatus() != ServiceStatus.Started) {
            builder.down().message("idempotency store warming up (" + service.getStatus() + ")");
            return;
        }
        if (repository instanceof PartitionedDedupeStore store && store.isRestoring()) {
            builder.down().message("idempotency store restoring assigned partitions");
            return;
        }
        builder.detail("group.id", groupId);
        Set<ObjectName> names;
        try {
            names = mbeans.queryNames(new ObjectName(COORDINATOR_METRICS), null);
        } catch (Exception e) {
            builder.down().message("cannot read the Kafka consumer metrics: " + e.getMessage());
            return;
        }
        // the ingest stage's group, then each channel stage's (<group>-<channel>): a stage still joining its
        // group would take no traffic
        Map<String, String> stages = new LinkedHashMap<>();
        stages.put("events", groupId);
        if (priorityLane) {
            stages.put("priority events", groupId + "-priority");
        }
        channels.forEach(channel -> {
            stages.put(channel + " stage", groupId + "-" + channel);
            if (priorityLane) {
                stages.put(channel + " priority stage", groupId + "-" + channel + "-priority");
            }
        });
        // and the retry tier forwarder's: deliveries waiting on a tier come back only through it
        if (!retryGroup.isBlank()) {
            stages.put("retry forwarder", retryGroup);
        }
        for (Map.Entry<String, String> stage : stages.entrySet()) {
            String problem;
            try {
                problem = joined(stage.getKey(), stage.getValue(), names, builder);
            } catch (Exception e) {
                builder.down().message("cannot read the Kafka consumer metrics: " + e.getMessage());
                return;
            }
            if (problem != null) {
                builder.down().message(problem);
                return;
            }
        }
        builder.up();
    }

    /** Null when every consumer of {@code group} has its assignment, else what it is waiting for. */
    private String joined(String stage, String group, Set<ObjectName> names, HealthCheckResultBuilder builder) throws Exception {
        int consumers = 0;
        int assigned = 0;
        boolean joined = true;
        for (ObjectName name : names) {
            if (!belongsToGroup(name.getKeyProperty("client-id"), group)) {
                continue;
            }
            consumers++;
            double sinceRebalance = number(name, "last-rebalance-seconds-ago");
            if (Double.isNaN(sinceRebalance) || sinceRebalance < 0) {
                joined = false;
            }
            double partitions = number(name, "assigned-partitions");
            assigned += Double.isNaN(partitions) ? 0 : (int) partitions;
        }
        String prefix = "events".equals(stage) ? "" : stage + ".";
        builder.detail(prefix + "consumers", consumers);
        builder.detail(prefix + "assigned-partitions", assigned);
        if (consumers == 0) {
            return stage + " consumer not subscribed yet";
        }
        return joined ? null : stage + " consumer waiting for its partition assignment";
    }

    /** Kafka names a consumer without an explicit client.id {@code consumer-<group>-<n>}. */
    private static boolean belongsToGroup(String clientId, String group) {
        return clientId != null && clientId.startsWith("consumer-" + group + "-")
                && clientId.substring(group.length() + 10).chars().allMatch(Character::isDigit);
    }

    private double number(ObjectName name, String attribute) throws Exception {
        Object value = mbeans.getAttribute(name, attribute);
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    public void setGroupId(String groupId) {
        this.groupId = groupId;
    }

    /**
     * Whether the priority lane's groups must have joined too: {@code <group>-priority} and, per channel,
     * {@code <group>-<channel>-priority} (routes/consume-events and the -priority channel stages).
     */
    public void setPriorityLane(boolean priorityLane) {
        this.priorityLane = priorityLane;
    }

    /** The channels whose stages (consumer group {@code <group>-<channel>}) must have joined too; comma-separated. */
    public void setChannels(String channels) {
        this.channels = java.util.Arrays.stream(channels.split(",")).map(String::strip).filter(c -> !c.isEmpty()).toList();
    }

    /** The retry tier forwarder's consumer group, which must have joined too; empty: not checked. */
    public void setRetryGroup(String retryGroup) {
        this.retryGroup = retryGroup == null ? "" : retryGroup.strip();
    }

    /** Bean name, looked up per call: the repository is created by another route file. */
    public void setIdempotentRepository(String idempotentRepository) {
        this.idempotentRepository = idempotentRepository;
    }
}
