package com.example.notify.kafka;

import java.util.Locale;

/**
 * Refuses to start on an unencrypted Kafka connection unless it is allowed explicitly: events, dead letters and
 * delivery records carry addresses and names, and a forgotten {@code NOTIFY_KAFKA_SECURITY_PROTOCOL} must fail
 * the start, not send them in clear. The dev profile and the tests allow it ({@code notify.kafka.allow-plaintext}).
 */
public class KafkaTransportPolicy {

    private String securityProtocol = "PLAINTEXT";
    private boolean allowPlaintext;

    /** Init method of the bean: throws, and so stops the start, on PLAINTEXT or SASL_PLAINTEXT unless allowed. */
    public void check() {
        String protocol = securityProtocol == null || securityProtocol.isBlank() ? "PLAINTEXT"
                : securityProtocol.strip().toUpperCase(Locale.ROOT);
        if (!allowPlaintext && (protocol.equals("PLAINTEXT") || protocol.equals("SASL_PLAINTEXT"))) {
            throw new IllegalStateException("Kafka security protocol " + protocol + " would carry events (addresses, names)"
                    + " unencrypted: set NOTIFY_KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL, or notify.kafka.allow-plaintext=true"
                    + " (env NOTIFY_KAFKA_ALLOW_PLAINTEXT) where the network itself is private");
        }
    }

    public void setSecurityProtocol(String securityProtocol) {
        this.securityProtocol = securityProtocol;
    }

    public void setAllowPlaintext(boolean allowPlaintext) {
        this.allowPlaintext = allowPlaintext;
    }
}
