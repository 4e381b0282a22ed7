package com.example.notify.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KafkaTransportPolicyTest {

    private static KafkaTransportPolicy policy(String protocol, boolean allow) {
        KafkaTransportPolicy policy = new KafkaTransportPolicy();
        policy.setSecurityProtocol(protocol);
        policy.setAllowPlaintext(allow);
        return policy;
    }

    @Test
    void unencryptedKafkaRefusesToStartUnlessAllowed() {
        for (String clear : new String[] {"PLAINTEXT", "sasl_plaintext", "", null}) {
            assertThatThrownBy(() -> policy(clear, false).check()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("NOTIFY_KAFKA_SECURITY_PROTOCOL");
            assertThatCode(() -> policy(clear, true).check()).doesNotThrowAnyException();
        }
        assertThatCode(() -> policy("SASL_SSL", false).check()).doesNotThrowAnyException();
        assertThatCode(() -> policy("SSL", false).check()).doesNotThrowAnyException();
    }
}
