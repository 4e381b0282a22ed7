package com.example.notify.observe;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The OpenTelemetry SDK behind camel-opentelemetry2, configured from the standard {@code OTEL_*} environment
 * variables (or {@code -Dotel.*}) with defaults of our own: service name {@code notification-routes}, no
 * metrics or logs export, and spans exported only when an OTLP endpoint is set (over http/protobuf with the
 * JDK's HTTP client); without one the exporter is {@code none}. Every exporter is wrapped in
 * {@link MaskingSpanExporter}: no address, recipient key, credential or URL path leaves the process in a span.
 *
 * <p>Bound by application.properties ({@code camel.beans.otelTracer=#class:...Telemetry#tracer}); the Camel
 * tracer finds the {@link Tracer} and {@link ContextPropagators} in the registry. One SDK per call (per Camel
 * context); the SDK flushes and shuts down with the JVM.
 */
public final class Telemetry {

    public static final String INSTRUMENTATION = "notification-routes";

    private Telemetry() {
    }

    /** A tracer of a freshly configured SDK, warmed up. */
    public static Tracer tracer() {
        Tracer tracer = sdk().getTracer(INSTRUMENTATION);
        warmUp(tracer);
        return tracer;
    }

    /**
     * Pays the first span's one-time costs at start-up instead of on the first event (class loading and
     * initialisation of the SDK's span path, the propagators, and camel-telemetry's span decorators, which it
     * finds by ServiceLoader on first use): measured as a second and more on the first deliveries of a loaded
     * 2-core machine. The span is never ended, so never exported.
     */
    static void warmUp(Tracer tracer) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("warm-up").startSpan();
        Map<String, String> carrier = new HashMap<>();
        propagators().getTextMapPropagator().inject(io.opentelemetry.context.Context.root().with(span), carrier, Map::put);
        propagators().getTextMapPropagator().extract(io.opentelemetry.context.Context.root(), carrier, MAP_GETTER);
        try {
            Class.forName("org.apache.camel.telemetry.SpanDecoratorManagerImpl", true, Telemetry.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // camel-telemetry absent or broken: tracing reports it itself when it starts
        }
    }

    private static final io.opentelemetry.context.propagation.TextMapGetter<Map<String, String>> MAP_GETTER =
            new io.opentelemetry.context.propagation.TextMapGetter<>() {
                @Override
                public Iterable<String> keys(Map<String, String> carrier) {
                    return carrier.keySet();
                }

                @Override
                public String get(Map<String, String> carrier, String key) {
                    return carrier == null ? null : carrier.get(key);
                }
            };

    /** W3C trace context ({@code traceparent}, {@code tracestate}) and W3C baggage, in and out. */
    public static ContextPropagators propagators() {
        return ContextPropagators.create(TextMapPropagator.composite(
                W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
    }

    static OpenTelemetrySdk sdk() {
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults(Telemetry::setting))
                .addSpanExporterCustomizer((exporter, config) -> new MaskingSpanExporter(exporter))
                .build()
                .getOpenTelemetrySdk();
    }

    /**
     * Defaults below the environment and system properties (which the SDK reads itself and which win):
     * traces go to OTLP only when an OTLP endpoint is configured, to nowhere otherwise.
     */
    static Map<String, String> defaults(Function<String, String> setting) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", INSTRUMENTATION);
        boolean endpoint = setting.apply("otel.exporter.otlp.endpoint") != null
                || setting.apply("otel.exporter.otlp.traces.endpoint") != null;
        defaults.put("otel.traces.exporter", endpoint ? "otlp" : "none");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        // the JDK HTTP sender is on the classpath, not the gRPC one (OkHttp)
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        return defaults;
    }

    /** A setting as the SDK reads it: system property {@code otel.x.y}, else environment {@code OTEL_X_Y}. */
    static String setting(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? null : value;
    }
}
