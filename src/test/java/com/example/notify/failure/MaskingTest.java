package com.example.notify.failure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskingTest {

    @Test
    void masksAddressesButKeepsTheDomainForDiagnosis() {
        assertThat(Masking.mask("550 5.1.1 <jane.doe@example.com>: Recipient address rejected"))
                .isEqualTo("550 5.1.1 <j***@example.com>: Recipient address rejected");
    }

    @Test
    void masksSecretsAfterTheirKey() {
        assertThat(Masking.mask("POST token?client_secret=s3cr&t+x=1&grant_type=client_credentials"))
                .doesNotContain("s3cr").contains("client_secret=***");
        assertThat(Masking.mask("Authorization: Bearer abc.def.ghi")).isEqualTo("Authorization: Bearer ***");
        assertThat(Masking.mask("{\"password\":\"hunter2\"}")).doesNotContain("hunter2");
    }

    @Test
    void truncatesLongText() {
        assertThat(Masking.maskAndTruncate("x".repeat(50), 10)).hasSize(10).endsWith("…");
        assertThat(Masking.maskAndTruncate(null, 10)).isNull();
    }
}
