package com.example.notify.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.event.EventValidator;
import com.example.notify.event.NotificationEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Producer scoping: a token that lists no sources could send any source's ids and any type (one exempt from
 * opt-outs among them), so the bundle refuses to start with one, and the gate refuses its requests, unless
 * notify.ingest.allow-unscoped-tokens=true.
 */
class IngestGateTest {

    private static NotificationEvent event(String source) {
        String json = """
                {"specversion":"1.0","id":"e-1","source":"%s","type":"com.example.security.login",
                 "data":{"recipient":{"contactId":"c-42"},"channels":["email"],"template":"invoice-due"}}""".formatted(source);
        return new EventValidator().validate(json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Test
    void aTokenWithoutSourcesStopsTheStartWithoutBeingPrinted() {
        IngestGate gate = new IngestGate();
        gate.setTokens("sc0ped:/shop, n0sc0pe, empty-list:");
        assertThatThrownBy(gate::check).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 token(s) without sources")
                .hasMessageContaining("notify.ingest.allow-unscoped-tokens")
                .hasMessageNotContaining("n0sc0pe").hasMessageNotContaining("empty-list");
    }

    @Test
    void scopedTokensStart() {
        IngestGate gate = new IngestGate();
        gate.setTokens("a:/shop, b:/billing|/billing/*:com.example.invoice.*");
        assertThatCode(gate::check).doesNotThrowAnyException();
    }

    @Test
    void sourcesThatAreUrisKeepTheirColons() {
        IngestGate gate = new IngestGate();
        gate.setTokens("u:urn:acme:billing|https://shop.example.com/orders;com.example.security.*, legacy:/shop:com.example.security.*");
        IngestGate.Scope uri = gate.scope("Bearer u");
        assertThat(uri.sources()).containsExactly("urn:acme:billing", "https://shop.example.com/orders");
        assertThat(uri.types()).containsExactly("com.example.security.*");
        assertThatCode(() -> gate.requireInScope(uri, event("urn:acme:billing"))).doesNotThrowAnyException();
        assertThatCode(() -> gate.requireInScope(uri, event("https://shop.example.com/orders"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> gate.requireInScope(uri, event("urn:acme:other"))).isInstanceOf(ScopeViolationException.class);
        // the earlier token:sources:types form still reads as before
        IngestGate.Scope legacy = gate.scope("Bearer legacy");
        assertThat(legacy.sources()).containsExactly("/shop");
        assertThat(legacy.types()).containsExactly("com.example.security.*");
        // a URN alone: all of it is the source
        assertThat(IngestGate.parseScope("urn:acme:billing").sources()).containsExactly("urn:acme:billing");
        assertThat(gate.scope("Bearer u:urn")).as("no prefix of an entry authenticates").isNull();
    }

    @Test
    void anUnscopedTokensRequestsAreRefusedUnlessAllowed() {
        IngestGate gate = new IngestGate();
        gate.setTokens("n0sc0pe");
        IngestGate.Scope scope = gate.scope("Bearer n0sc0pe");
        assertThat(scope).isNotNull();
        assertThatThrownBy(() -> gate.requireInScope(scope, event("/anyone")))
                .isInstanceOf(ScopeViolationException.class).hasMessage("token-not-scoped");

        gate.setAllowUnscopedTokens(true);
        assertThatCode(gate::check).doesNotThrowAnyException();
        assertThatCode(() -> gate.requireInScope(scope, event("/anyone"))).doesNotThrowAnyException();
    }

    @Test
    void theIngestRouteRunsTheStartupCheckWithTheProperty() throws Exception {
        String route = Files.readString(Path.of("routes/ingest-http.camel.yaml"));
        assertThat(route).contains("initMethod: check")
                .contains("allowUnscopedTokens: \"{{notify.ingest.allow-unscoped-tokens}}\"");
        assertThat(Files.readString(Path.of("application.properties"))).contains("notify.ingest.allow-unscoped-tokens=false");
    }
}
