package com.example.notify.stage;

import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;

/** Channel shares of a replica that owns the given partitions of a channel's one delivery topic. */
public final class ChannelSharesFixture {

    private ChannelSharesFixture() {
    }

    public static ChannelShares owning(String channel, int partitions, int... owned) {
        ChannelShares shares = new ChannelShares();
        String topic = "deliver." + channel;
        shares.setTopicsByChannel(Map.of(channel, Set.of(topic)));
        shares.assigned(IntStream.of(owned).mapToObj(p -> new TopicPartition(topic, p)).toList(), Set.of(topic), t -> partitions);
        return shares;
    }
}
