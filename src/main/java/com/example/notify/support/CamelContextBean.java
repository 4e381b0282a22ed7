package com.example.notify.support;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;

/**
 * Base of the beans declared in routes/ that need the Camel context: to read per-type properties, steer
 * routes, or call a route of their own (a lazily created, shared producer template).
 */
public abstract class CamelContextBean implements CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate producer;
    // per-type keys come from event data: bounded, so a stream of made-up types cannot grow it without end
    private final Cache<String, Optional<String>> properties = Caffeine.newBuilder().maximumSize(10_000).build();

    /**
     * A property by key, resolved once and then remembered: configuration is fixed for the life of the
     * process, and for a missing key Camel's parser builds and throws an exception before answering "empty",
     * which per event (per-type settings are mostly absent) was a large share of the ingest path's CPU.
     * Blank values read as absent.
     */
    protected Optional<String> property(String key) {
        return properties.get(key, k -> camelContext.getPropertiesComponent().resolveProperty(k)
                .map(String::strip).filter(v -> !v.isEmpty()));
    }

    protected ProducerTemplate producer() {
        ProducerTemplate p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = camelContext.createProducerTemplate();
                }
                p = producer;
            }
        }
        return p;
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
