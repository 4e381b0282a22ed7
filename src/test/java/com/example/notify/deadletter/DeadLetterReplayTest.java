package com.example.notify.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterReplayTest {

    @Test
    void theLoggedSelectionCarriesParsedValuesNeverRawOperatorInput() {
        String logged = DeadLetterReplay.selection("smtp-recipient-rejected", "jane.doe@example.com",
                Instant.parse("2026-11-24T10:00:00Z"), null, true);
        assertThat(logged).isEqualTo("reason=smtp-recipient-rejected eventId=other deadLetteredSince=2026-11-24T10:00:00Z"
                + " deadLetteredBefore=any dryRun=true")
                .doesNotContain("@");
        assertThat(DeadLetterReplay.selection("x\nFAKE LINE", "9d6c1f4e-2b", null, null, false))
                .isEqualTo("reason=other eventId=9d6c1f4e-2b deadLetteredSince=any deadLetteredBefore=any dryRun=false");
    }
}
