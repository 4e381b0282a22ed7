package com.example.notify.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.notify.idempotency.DedupeSubscribeAdapter;
import com.example.notify.support.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.camel.component.kafka.consumer.support.subcription.TopicInfo;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Cluster-wide limits: the replicas' shares add up to at most the limit, and follow the consumer group. */
class ChannelSharesTest {

    private static ChannelShares shares(String channel, String... topics) {
        ChannelShares shares = new ChannelShares();
        shares.setTopicsByChannel(Map.of(channel, Set.of(topics)));
        return shares;
    }

    private static List<TopicPartition> partitions(String topic, int... numbers) {
        return IntStream.of(numbers).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    @Test
    void theSharesOfAnyAssignmentAddUpToAtMostTheLimitAndCloseToIt() {
        for (int replicas = 1; replicas <= 12; replicas++) {
            for (long limit : new long[] {5, 14, 50, 100, 25_000}) {
                long sum = 0;
                for (int r = 0; r < replicas; r++) {
                    ChannelShares shares = shares("email", "d.email");
                    int replica = r;
                    int count = replicas;
                    shares.assigned(partitions("d.email", IntStream.range(0, 12).filter(p -> p % count == replica).toArray()),
                            Set.of("d.email"), t -> 12);
                    sum += shares.share("email", limit);
                }
                assertTrue(sum <= limit || limit < replicas, replicas + " replicas took " + sum + " of " + limit);
                // rounding down loses less than one per replica
                assertTrue(sum > limit - replicas, replicas + " replicas took only " + sum + " of " + limit);
            }
        }
    }

    @Test
    void theLimitIsWholeBeforeAnyAssignmentAndOneWithoutPartitions() {
        ChannelShares shares = shares("pardot", "d.pardot", "d.pardot.priority");
        assertEquals(100, shares.share("pardot", 100));
        shares.assigned(List.of(), Set.of("d.pardot"), t -> 6);
        assertEquals(1, shares.share("pardot", 100), "no partition of the channel: a replica keeps one permit");
        shares.assigned(partitions("d.pardot", 0, 1, 2), Set.of("d.pardot"), t -> 6);
        assertEquals(50, shares.share("pardot", 100));
        // the priority twin counts in the same share: 3 + 2 of 6 + 4
        shares.assigned(partitions("d.pardot.priority", 0, 1), Set.of("d.pardot.priority"), t -> 4);
        assertEquals(50, shares.share("pardot", 100));
        shares.revoked(partitions("d.pardot", 0, 1, 2));
        assertEquals(20, shares.share("pardot", 100));
        assertEquals(0, shares.share("pardot", 0), "a limit of 0 (off) stays 0");
        assertEquals(100, shares("pardot", "d.pardot").share("webhook", 100), "a channel without topics: the whole limit");
    }

    /**
     * Real consumers in one group on a real broker, each with the bundle's subscribe adapter and its own shares (as
     * replicas would have): the shares follow the group's assignment as replicas join and leave, and their sum never
     * exceeds the limit at any observed moment, including while the group rebalances.
     */
    @Test
    void sharesFollowTheConsumerGroupAcrossJoinsAndLeaves() throws Exception {
        String topic = TestKafka.uniqueName("shares.deliver.email");
        TestKafka.createTopics(List.of(topic), 12);
        String group = TestKafka.uniqueName("shares-group");
        List<Replica> replicas = new ArrayList<>();
        try {
            replicas.add(new Replica(topic, group));
            pollUntil(replicas, () -> sum(replicas) == 100);
            replicas.add(new Replica(topic, group));
            pollUntil(replicas, () -> replicas.stream().allMatch(r -> r.shares.share("email", 100) == 50));
            replicas.add(new Replica(topic, group));
            pollUntil(replicas, () -> replicas.stream().allMatch(r -> r.shares.share("email", 100) == 33));
            assertEquals(99, sum(replicas));
            replicas.remove(0).close();
            pollUntil(replicas, () -> replicas.stream().allMatch(r -> r.shares.share("email", 100) == 50));
        } finally {
            replicas.forEach(Replica::close);
        }
        assertTrue(maxSeenSum <= 100, "the shares added up to " + maxSeenSum + " at one moment");
    }

    private long maxSeenSum;

    private long sum(List<Replica> replicas) {
        return replicas.stream().mapToLong(r -> r.shares.share("email", 100)).sum();
    }

    private void pollUntil(List<Replica> replicas, BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "the shares did not settle: " + replicas.stream()
                    .map(r -> r.shares.share("email", 100) + "").toList());
            for (Replica replica : replicas) {
                replica.consumer.poll(Duration.ofMillis(50));
                // what the replicas that own partitions (the only ones that deliver) may use at this moment: a
                // partition is revoked from its owner before the group gives it to another, so this never exceeds
                // the limit, even mid-rebalance (a joining replica's whole limit before its first assignment is
                // never used: it owns nothing yet)
                maxSeenSum = Math.max(maxSeenSum, replicas.stream().filter(r -> r.shares.partitions("email")[0] > 0)
                        .mapToLong(r -> r.shares.share("email", 100)).sum());
            }
        }
    }

    private static final class Replica implements AutoCloseable {
        final ChannelShares shares;
        final KafkaConsumer<String, byte[]> consumer;
        final DefaultCamelContext context = new DefaultCamelContext();

        Replica(String topic, String group) {
            shares = new ChannelShares();
            shares.setTopicsByChannel(Map.of("email", Set.of(topic)));
            context.getRegistry().bind("channelShares", shares);
            DedupeSubscribeAdapter adapter = new DedupeSubscribeAdapter();
            adapter.setCamelContext(context);
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            consumer = new KafkaConsumer<>(props);
            adapter.subscribe(consumer, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                }
            }, new TopicInfo(null, topic));
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
            try {
                context.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
