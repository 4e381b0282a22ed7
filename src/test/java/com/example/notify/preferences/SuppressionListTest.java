package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SuppressionListTest {

    @Test
    void reasonIsOneOfAFewCodesAndAnUnreadableValueStillSuppresses() {
        assertThat(SuppressionList.reasonOf("{\"reason\":\"Complaint\"}")).isEqualTo("complaint");
        assertThat(SuppressionList.reasonOf("{\"reason\":\"hard bounce from mx.example.com\"}")).isEqualTo("other");
        assertThat(SuppressionList.reasonOf("not json")).isEqualTo("other");
    }

    @Test
    void addressHashIgnoresCaseAndSurroundingSpace() {
        assertThat(RecipientKeys.addressHash(" Jane.Doe@Example.COM ")).isEqualTo(RecipientKeys.addressHash("jane.doe@example.com"))
                .hasSize(64).doesNotContain("jane");
    }
}
