package com.example.notify.support;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The read helper refuses arguments under which an empty result would prove nothing (checked before any broker). */
class TestKafkaTest {

    @Test
    void aReadThatWouldNeverPollIsRefused() {
        assertThatThrownBy(() -> TestKafka.read("any", r -> true, 0, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive")
                .hasMessageContaining("proves nothing");
        assertThatThrownBy(() -> TestKafka.read("any", r -> true, 1, Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> TestKafka.read("any", r -> true, 1, Duration.ofSeconds(1), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("settle");
    }
}
