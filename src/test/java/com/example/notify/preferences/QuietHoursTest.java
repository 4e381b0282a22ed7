package com.example.notify.preferences;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.event.Contact;
import com.example.notify.event.EventValidator;
import com.example.notify.event.NotificationEvent;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Quiet hours in the recipient's zone: inside the window a notification waits for its end, outside it goes. */
class QuietHoursTest {

    static final ZoneId VIENNA = ZoneId.of("Europe/Vienna");
    long now;
    final QuietHours quiet = new QuietHours();

    QuietHoursTest() {
        RecipientPreferences preferences = new RecipientPreferences();
        preferences.setTransactionalTypes("com.example.security.*");
        quiet.setPreferences(preferences);
        quiet.setDefaultZone("UTC");
        quiet.setClock(() -> now);
    }

    private static NotificationEvent event(String type, String deliverAt) {
        String json = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/s\",\"type\":\"" + type + "\","
                + (deliverAt == null ? "" : "\"deliverat\":\"" + deliverAt + "\",")
                + "\"data\":{\"recipient\":{\"contactId\":\"c-1\"},\"channels\":[\"email\"],\"template\":\"t\"}}";
        return new EventValidator().validate(json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static NotificationEvent inZone(NotificationEvent event, String zone) {
        return event.withContact(new Contact("c-1", "a@example.com", "A", "de", Set.of(), Set.of(),
                zone == null ? Map.of() : Map.of("timeZone", zone)));
    }

    private static long at(String local, ZoneId zone) {
        return java.time.LocalDateTime.parse(local).atZone(zone).toInstant().toEpochMilli();
    }

    @Test
    void anOvernightWindowHoldsUntilItsEndInTheRecipientsZone() {
        quiet.setDefaultWindow("21:00-08:00");
        now = at("2026-12-02T22:30", VIENNA);
        NotificationEvent viennese = inZone(event("com.example.newsletter", null), "Europe/Vienna");
        assertThat(quiet.notBefore(viennese, "")).isEqualTo(at("2026-12-03T08:00", VIENNA));
        now = at("2026-12-03T06:15", VIENNA);
        assertThat(quiet.notBefore(viennese, "")).as("after midnight, same window").isEqualTo(at("2026-12-03T08:00", VIENNA));
        now = at("2026-12-03T08:00", VIENNA);
        assertThat(quiet.notBefore(viennese, "")).as("the end is outside").isZero();
        // 22:30 in Vienna is 21:30 UTC: inside for a contact without a zone too; 16:30 in New York is not
        now = at("2026-12-02T22:30", VIENNA);
        assertThat(quiet.notBefore(inZone(event("com.example.newsletter", null), null), "")).isPositive();
        assertThat(quiet.notBefore(inZone(event("com.example.newsletter", null), "America/New_York"), "")).isZero();
        assertThat(quiet.notBefore(inZone(event("com.example.newsletter", null), "Mars/Olympus"), "")).as("unknown zone: the default")
                .isPositive();
    }

    @Test
    void aSameDayWindowAScheduledTimeAndTheTypesOwnSetting() {
        now = at("2026-12-02T12:30", VIENNA);
        NotificationEvent lunch = inZone(event("com.example.newsletter", null), "Europe/Vienna");
        assertThat(quiet.notBefore(lunch, "12:00-14:00")).isEqualTo(at("2026-12-02T14:00", VIENNA));
        assertThat(quiet.notBefore(lunch, "none")).isZero();
        assertThat(quiet.notBefore(lunch, "")).as("no default window").isZero();
        // measured at the scheduled time, not at ingest
        NotificationEvent tonight = inZone(event("com.example.newsletter", "2026-12-02T23:00:00+01:00"), "Europe/Vienna");
        assertThat(quiet.notBefore(tonight, "21:00-08:00")).isEqualTo(at("2026-12-03T08:00", VIENNA));
    }

    @Test
    void transactionalTypesAreExemptUnlessTheirTypeNamesAWindow() {
        quiet.setDefaultWindow("21:00-08:00");
        now = at("2026-12-02T23:00", VIENNA);
        NotificationEvent reset = inZone(event("com.example.security.password-reset", null), "Europe/Vienna");
        assertThat(quiet.notBefore(reset, "")).isZero();
        assertThat(quiet.notBefore(reset, "22:00-07:00")).isEqualTo(at("2026-12-03T07:00", VIENNA));
    }

    @Test
    void aWindowKeepsItsWallClockHoursAcrossTheDaylightSavingChange() {
        // the night Vienna moves its clocks back (2026-10-25, 03:00 → 02:00): the window still ends at 08:00 local
        now = at("2026-10-24T23:00", VIENNA);
        long end = quiet.notBefore(inZone(event("com.example.newsletter", null), "Europe/Vienna"), "21:00-08:00");
        assertThat(java.time.Instant.ofEpochMilli(end).atZone(VIENNA).toLocalDateTime())
                .isEqualTo(java.time.LocalDateTime.parse("2026-10-25T08:00:00"));
        assertThat(end - now).as("9 h on the wall clock, 10 h of time: the extra hour is waited").isEqualTo(10 * 3_600_000L);
    }

    @Test
    void aWindowEndingInTheSpringForwardGapEndsWhenTheClocksJump() {
        // 2026-03-29 in Vienna: 02:00 jumps to 03:00; a window ending 02:30 ends at the jump (01:00 UTC)
        now = at("2026-03-29T01:00", VIENNA);
        long end = quiet.notBefore(inZone(event("com.example.newsletter", null), "Europe/Vienna"), "22:00-02:30");
        assertThat(java.time.Instant.ofEpochMilli(end)).isEqualTo(java.time.Instant.parse("2026-03-29T01:00:00Z"));
    }

    @Test
    void aPolitenessHoldIsMeasuredAtItsEndAndAMalformedTypeWindowIsAPermanentFailure() {
        now = at("2026-12-02T20:50", VIENNA);
        NotificationEvent event = inZone(event("com.example.newsletter", null), "Europe/Vienna");
        assertThat(quiet.notBefore(event, "21:00-08:00", 0L)).isZero();
        assertThat(quiet.notBefore(event, "21:00-08:00", 30 * 60_000L)).as("held 30 min: into the window")
                .isEqualTo(at("2026-12-03T08:00", VIENNA));
        Throwable bad = org.assertj.core.api.Assertions.catchThrowable(() -> quiet.notBefore(event, "9pm-8am"));
        assertThat(bad).isInstanceOf(com.example.notify.failure.PermanentFailureException.class)
                .hasMessageContaining("notify.quiet-hours.type.com.example.newsletter");
    }

    @Test
    void aMalformedWindowFailsAtStart() {
        assertThatThrownBy(() -> quiet.setDefaultWindow("08:00-08:00")).hasMessageContaining("empty");
        assertThatThrownBy(() -> quiet.setDefaultWindow("9pm to 8am")).hasMessageContaining("HH:mm-HH:mm");
        assertThatThrownBy(() -> quiet.setDefaultWindow("21:00-25:00")).hasMessageContaining("HH:mm-HH:mm");
    }
}
