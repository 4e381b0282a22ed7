package com.example.notify.kafka;

import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * Builds the connection settings for Kafka clients the bundle's beans create themselves (the idempotency
 * repository) from the same properties as the Kafka component: given only the brokers, such a client is
 * refused by a secured cluster while the routes' own consumers and producers work. A bean builder (YAML
 * {@code builderClass}) because constructor arguments lose the quotes a JAAS config needs.
 */
public class KafkaClientProperties {

    private String brokers;
    private String securityProtocol;
    private String saslMechanism;
    private String saslJaasConfig;

    public void setBrokers(String brokers) {
        this.brokers = brokers;
    }

    public void setSecurityProtocol(String securityProtocol) {
        this.securityProtocol = securityProtocol;
    }

    public void setSaslMechanism(String saslMechanism) {
        this.saslMechanism = saslMechanism;
    }

    public void setSaslJaasConfig(String saslJaasConfig) {
        this.saslJaasConfig = saslJaasConfig;
    }

    public Properties build() {
        Properties properties = new MaskedProperties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokers);
        putIfSet(properties, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        if (securityProtocol != null && securityProtocol.startsWith("SASL")) {
            putIfSet(properties, SaslConfigs.SASL_MECHANISM, saslMechanism);
            putIfSet(properties, SaslConfigs.SASL_JAAS_CONFIG, saslJaasConfig);
        }
        return properties;
    }

    private static void putIfSet(Properties properties, String key, String value) {
        if (value != null && !value.isBlank()) {
            properties.put(key, value);
        }
    }

    /** The JAAS config holds a password: never printed. */
    static final class MaskedProperties extends Properties {
        @Override
        public synchronized String toString() {
            Properties shown = new Properties();
            shown.putAll(this);
            shown.computeIfPresent(SaslConfigs.SASL_JAAS_CONFIG, (k, v) -> "[hidden]");
            return shown.toString();
        }
    }
}
