package com.example.notify.support;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The span exporter named {@code memory} for the SDK's autoconfiguration ({@code -Dotel.traces.exporter=memory}):
 * a test reads what the bundle exported, after the bundle's own masking wrapper, from {@link #EXPORTER}.
 */
public class TestSpans implements ConfigurableSpanExporterProvider {

    public static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();

    @Override
    public String getName() {
        return "memory";
    }

    @Override
    public SpanExporter createExporter(ConfigProperties config) {
        return EXPORTER;
    }
}
