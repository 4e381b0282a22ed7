package com.example.notify.support;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.camel.CamelContext;

/**
 * Settings by key that are not known up front: per type ({@code notify.email.type.<type>.*},
 * {@code notify.digest.types.<type>.*}, {@code notify.politeness.type.<type>.policy}) and per channel. Each key is
 * resolved once and then remembered: configuration is fixed for the life of the process, and for a missing key
 * Camel's parser builds and throws an exception before answering "empty", which per event (per-type settings
 * are mostly absent) was a large share of the ingest path's CPU. Blank values read as absent.
 */
public final class TypeSettings {

    /** No settings at all: every key absent (a bean used without a Camel context, as in unit tests). */
    public static final TypeSettings NONE = new TypeSettings(key -> Optional.empty());

    private final Function<String, Optional<String>> source;
    // per-type keys come from event data: bounded, so a stream of made-up types cannot grow it without end
    private final Cache<String, Optional<String>> resolved = Caffeine.newBuilder().maximumSize(10_000).build();

    private TypeSettings(Function<String, Optional<String>> source) {
        this.source = source;
    }

    /** Camel's properties (files, environment, placeholders). */
    public static TypeSettings of(CamelContext context) {
        return context == null ? NONE : new TypeSettings(key -> context.getPropertiesComponent().resolveProperty(key));
    }

    /** Fixed values, for tests and tools. */
    public static TypeSettings of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new TypeSettings(key -> Optional.ofNullable(copy.get(key)));
    }

    public Optional<String> get(String key) {
        return resolved.get(key, k -> source.apply(k).map(String::strip).filter(v -> !v.isEmpty()));
    }
}
