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
    private String sslTruststoreLocation;
    private String sslTruststorePassword;
    private String sslKeystoreLocation;
    private String sslKeystorePassword;

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

    /** TLS: a truststore for a private CA (and a keystore for mutual TLS); empty: the JVM's defaults. */
    public void setSslTruststoreLocation(String sslTruststoreLocation) {
        this.sslTruststoreLocation = sslTruststoreLocation;
    }

    public void setSslTruststorePassword(String sslTruststorePassword) {
        this.sslTruststorePassword = sslTruststorePassword;
    }

    public void setSslKeystoreLocation(String sslKeystoreLocation) {
        this.sslKeystoreLocation = sslKeystoreLocation;
    }

    public void setSslKeystorePassword(String sslKeystorePassword) {
        this.sslKeystorePassword = sslKeystorePassword;
    }

    /**
     * The same settings from the environment ({@code NOTIFY_KAFKA_SECURITY_PROTOCOL}, {@code NOTIFY_KAFKA_SASL_*},
     * {@code NOTIFY_KAFKA_SSL_*}), for the command-line tools, which run without the bundle's properties.
     */
    public static Properties fromEnvironment(String brokers) {
        KafkaClientProperties builder = new KafkaClientProperties();
        builder.setBrokers(brokers);
        builder.setSecurityProtocol(System.getenv("NOTIFY_KAFKA_SECURITY_PROTOCOL"));
        builder.setSaslMechanism(System.getenv().getOrDefault("NOTIFY_KAFKA_SASL_MECHANISM", "PLAIN"));
        builder.setSaslJaasConfig(System.getenv("NOTIFY_KAFKA_SASL_JAAS_CONFIG"));
        builder.setSslTruststoreLocation(System.getenv("NOTIFY_KAFKA_SSL_TRUSTSTORE_LOCATION"));
        builder.setSslTruststorePassword(System.getenv("NOTIFY_KAFKA_SSL_TRUSTSTORE_PASSWORD"));
        builder.setSslKeystoreLocation(System.getenv("NOTIFY_KAFKA_SSL_KEYSTORE_LOCATION"));
        builder.setSslKeystorePassword(System.getenv("NOTIFY_KAFKA_SSL_KEYSTORE_PASSWORD"));
        return builder.build();
    }

    public Properties build() {
        Properties properties = new MaskedProperties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokers);
        putIfSet(properties, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        if (securityProtocol != null && securityProtocol.startsWith("SASL")) {
            putIfSet(properties, SaslConfigs.SASL_MECHANISM, saslMechanism);
            putIfSet(properties, SaslConfigs.SASL_JAAS_CONFIG, saslJaasConfig);
        }
        if (securityProtocol != null && securityProtocol.endsWith("SSL")) {
            putIfSet(properties, org.apache.kafka.common.config.SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, sslTruststoreLocation);
            putIfSet(properties, org.apache.kafka.common.config.SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, sslTruststorePassword);
            putIfSet(properties, org.apache.kafka.common.config.SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, sslKeystoreLocation);
            putIfSet(properties, org.apache.kafka.common.config.SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, sslKeystorePassword);
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
            shown.computeIfPresent(org.apache.kafka.common.config.SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, (k, v) -> "[hidden]");
            shown.computeIfPresent(org.apache.kafka.common.config.SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, (k, v) -> "[hidden]");
            return shown.toString();
        }
    }
}
