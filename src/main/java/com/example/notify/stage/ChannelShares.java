package com.example.notify.stage;

import com.example.notify.kafka.PartitionAssignmentListener;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's share of a channel's cluster-wide limits (provider rate, Pardot's concurrent requests and daily
 * quota): the limit × the channel's delivery-topic partitions assigned to this replica / all of them, rounded down
 * (at least 1). Every replica consumes every stage topic of the channel in the same consumer groups, so the shares
 * of all replicas add up to at most the limit, whatever the replica count: the groups' assignment is the
 * coordination, and no datastore or network round trip is added to a delivery.
 *
 * <p>Why not a shared limiter (Redis, a leases topic): it would add a dependency or a round trip per permit, and a
 * stale lease would have to be expired by time. The cost of this choice: a replica's share is proportional to its
 * partitions, not to its traffic, so a channel whose traffic sits on few partitions (few recipients) uses less than
 * the limit; and during a rebalance the shares only go down (partitions are revoked before they are assigned
 * elsewhere), so the sum stays within the limit and is below it until the assignment settles. Rounding down loses
 * less than one request per period per replica.
 */
public class ChannelShares implements PartitionAssignmentListener, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelShares.class);

    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    private volatile Map<String, long[]> fractions = Map.of();
    private volatile Map<String, Set<String>> topicsByChannel;
    private List<String> channels = List.of();
    private CamelContext camelContext;

    /**
     * This replica's part of a limit of the channel. The whole limit while no consumer of the channel's topics has
     * been assigned yet (a single process before its first assignment, or a route driven without the stage).
     */
    public long share(String channel, long limit) {
        long[] fraction = fractions.get(channel);
        if (limit <= 0 || fraction == null || fraction[1] == 0) {
            return limit;
        }
        return Math.max(1, limit * fraction[0] / fraction[1]);
    }

    /** Assigned and total partitions of the channel's delivery topics, as far as this replica knows them. */
    public long[] partitions(String channel) {
        long[] fraction = fractions.get(channel);
        return fraction == null ? new long[] {0, 0} : fraction.clone();
    }

    @Override
    public void assigned(Collection<TopicPartition> partitions, Set<String> subscribed, ToIntFunction<String> partitionCount) {
        for (String topic : subscribed) {
            int count = partitionCount.applyAsInt(topic);
            if (count > 0) {
                partitionCounts.put(topic, count);
            }
        }
        owned.addAll(partitions);
        recompute();
    }

    @Override
    public void revoked(Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        recompute();
    }

    private synchronized void recompute() {
        Map<String, long[]> next = new HashMap<>();
        for (Map.Entry<String, Set<String>> channel : topicsByChannel().entrySet()) {
            long mine = 0;
            long total = 0;
            for (String topic : channel.getValue()) {
                Integer count = partitionCounts.get(topic);
                if (count != null) {
                    total += count;
                    mine += owned.stream().filter(p -> p.topic().equals(topic)).count();
                }
            }
            next.put(channel.getKey(), new long[] {mine, total});
            long[] before = fractions.get(channel.getKey());
            if (total > 0 && (before == null || before[0] != mine || before[1] != total)) {
                LOG.info("Channel {}: this replica's share of its limits is now {}/{} partitions", channel.getKey(), mine, total);
            }
        }
        fractions = Map.copyOf(next);
    }

    private Map<String, Set<String>> topicsByChannel() {
        Map<String, Set<String>> topics = topicsByChannel;
        if (topics == null) {
            topics = new HashMap<>();
            for (String channel : channels) {
                String topic = property("notify.kafka.topic.deliver." + channel);
                if (topic == null) {
                    continue;
                }
                Set<String> stageTopics = new LinkedHashSet<>();
                stageTopics.add(topic);
                for (String suffix : new String[] {property("notify.priority.topic-suffix"), property("notify.priority.low-topic-suffix")}) {
                    if (suffix != null) {
                        stageTopics.add(topic + suffix);
                    }
                }
                topics.put(channel, Set.copyOf(stageTopics));
            }
            topicsByChannel = topics = Map.copyOf(topics);
        }
        return topics;
    }

    private String property(String key) {
        return camelContext == null ? null
                : camelContext.getPropertiesComponent().resolveProperty(key).map(String::strip).filter(v -> !v.isEmpty()).orElse(null);
    }

    /** The channels of the router (notify.channels). */
    public void setChannels(String channels) {
        this.channels = List.of(channels.split("\\s*,\\s*"));
    }

    /** For tests and callers without a context: the stage topics of each channel. */
    void setTopicsByChannel(Map<String, Set<String>> topicsByChannel) {
        this.topicsByChannel = Map.copyOf(topicsByChannel);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
