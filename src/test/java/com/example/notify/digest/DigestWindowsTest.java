package com.example.notify.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The close of an {@code until} window: the next such wall-clock time in the recipient's zone. */
class DigestWindowsTest {

    static final ZoneId VIENNA = ZoneId.of("Europe/Vienna");

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void beforeTheTimeItIsTodayAfterItTomorrowInTheRecipientsZone() {
        // 06:30 UTC = 07:30 in Vienna (winter): closes at 08:00 Vienna = 07:00 UTC the same day
        assertThat(DigestWindows.nextDaily(LocalTime.of(8, 0), at("2026-12-03T06:30:00Z"), VIENNA))
                .isEqualTo(at("2026-12-03T07:00:00Z"));
        // 07:30 UTC = 08:30 in Vienna: the next 08:00 is tomorrow's
        assertThat(DigestWindows.nextDaily(LocalTime.of(8, 0), at("2026-12-03T07:30:00Z"), VIENNA))
                .isEqualTo(at("2026-12-04T07:00:00Z"));
        // exactly at the time: the next day's (a window never closes the moment it opens)
        assertThat(DigestWindows.nextDaily(LocalTime.of(8, 0), at("2026-12-03T07:00:00Z"), VIENNA))
                .isEqualTo(at("2026-12-04T07:00:00Z"));
    }

    @Test
    void keepsTheWallClockTimeAcrossTheDaylightSavingChange() {
        // the night of 2027-03-28 Vienna springs forward: 08:00 is 06:00 UTC after it, 07:00 UTC before
        assertThat(DigestWindows.nextDaily(LocalTime.of(8, 0), at("2027-03-27T20:00:00Z"), VIENNA))
                .isEqualTo(at("2027-03-28T06:00:00Z"));
    }
}
