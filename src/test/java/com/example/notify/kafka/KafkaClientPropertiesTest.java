package com.example.notify.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaClientPropertiesTest {

    @Test
    void tlsSettingsReachTheClientAndTheirPasswordsAreNeverPrinted() {
        KafkaClientProperties builder = new KafkaClientProperties();
        builder.setBrokers("kafka:9093");
        builder.setSecurityProtocol("SASL_SSL");
        builder.setSaslMechanism("PLAIN");
        builder.setSaslJaasConfig("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p&+=\";");
        builder.setSslTruststoreLocation("/etc/kafka/ca.p12");
        builder.setSslTruststorePassword("trust-s3cret");
        Properties built = builder.build();
        assertThat(built).containsEntry("ssl.truststore.location", "/etc/kafka/ca.p12")
                .containsEntry("ssl.truststore.password", "trust-s3cret").containsEntry("security.protocol", "SASL_SSL");
        assertThat(built.toString()).doesNotContain("trust-s3cret").doesNotContain("p&+=");
    }

    @Test
    void withoutTlsNoSslKeys() {
        KafkaClientProperties builder = new KafkaClientProperties();
        builder.setBrokers("kafka:9092");
        builder.setSecurityProtocol("SASL_PLAINTEXT");
        builder.setSslTruststoreLocation("/etc/kafka/ca.p12");
        assertThat(builder.build()).doesNotContainKey("ssl.truststore.location");
    }
}
