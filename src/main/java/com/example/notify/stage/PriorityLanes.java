package com.example.notify.stage;

import com.example.notify.event.NotificationEvent;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * Which lane an event travels: the priority lane (events with {@code priority: high} and the types listed in
 * {@code notify.priority.types}, transactional ones by default) or the normal one. Each lane has topics of its
 * own end to end (the events topic and each channel's delivery topic, the priority ones named with
 * {@code notify.priority.topic-suffix}) read by consumers of its own, so a password reset never queues behind a
 * million marketing emails. Events with {@code priority: low} go by a channel's low lane, which yields to the
 * normal one ({@link ChannelBreakers}). Per-recipient order holds within a lane, not across lanes.
 */
public class PriorityLanes implements CamelContextAware {

    private CamelContext camelContext;
    private List<String> types = List.of();
    private String topicSuffix = ".priority";
    private String lowTopicSuffix = ".low";

    /** True when the event goes by the priority lane. */
    public boolean priority(NotificationEvent event) {
        if ("high".equalsIgnoreCase(event.getPriority())) {
            return true;
        }
        String type = event.getType();
        for (String pattern : types) {
            if (pattern.endsWith("*") ? type.startsWith(pattern.substring(0, pattern.length() - 1)) : type.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** The events topic for the event (HTTP ingest publishes there). */
    public String eventsTopic(NotificationEvent event) {
        return lane(property("notify.kafka.topic.events"), event);
    }

    /**
     * The channel's delivery topic for the event (the ingest stage stages its delivery record there): the priority
     * lane's, the low lane's ({@code priority: low}, when the channel has a low stage
     * {@code consume-<channel>-low-deliveries}; a channel without one delivers low events in its normal lane), or
     * the normal one.
     */
    public String deliveryTopic(String channel, NotificationEvent event) {
        String topic = property("notify.kafka.topic.deliver." + channel);
        if (!priority(event) && "low".equalsIgnoreCase(event.getPriority()) && lowTopicSuffix != null && !lowTopicSuffix.isBlank()
                && camelContext.getRoute("consume-" + channel + "-low-deliveries") != null) {
            return topic + lowTopicSuffix;
        }
        return lane(topic, event);
    }

    private String lane(String topic, NotificationEvent event) {
        return priority(event) ? topic + topicSuffix : topic;
    }

    // resolved once per key: resolving placeholders per event was 3 % of the ingest stage's CPU (D3 profile)
    private final java.util.Map<String, String> resolved = new java.util.concurrent.ConcurrentHashMap<>();

    private String property(String key) {
        return resolved.computeIfAbsent(key, k -> camelContext.getPropertiesComponent().resolveProperty(k)
                .orElseThrow(() -> new IllegalStateException(k + " is not set")));
    }

    /** Comma-separated types; {@code prefix.*} matches a family. */
    public void setTypes(String csv) {
        this.types = csv == null ? List.of() : Arrays.stream(csv.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    public void setTopicSuffix(String topicSuffix) {
        this.topicSuffix = topicSuffix;
    }

    /** The low lane's delivery topics: {@code <delivery topic><suffix>}; blank: no low lane. */
    public void setLowTopicSuffix(String lowTopicSuffix) {
        this.lowTopicSuffix = lowTopicSuffix;
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
