package com.example.notify.preferences;

import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.LongSupplier;

/**
 * Do-not-disturb hours in the recipient's own time zone: a notification due inside its type's quiet window
 * ({@code 21:00-08:00}, crossing midnight or not) waits until the window ends. The zone is the contact's
 * {@code fields.timeZone} (an IANA id such as {@code Europe/Vienna}), else {@code notify.quiet-hours.zone}.
 * Transactional types are exempt unless their type names a window of its own: a password reset at 23:00 is
 * wanted at 23:00. Times are wall-clock times of that zone, so a window keeps its hours across a DST change.
 */
public class QuietHours {

    private String defaultWindow = "";
    private ZoneId defaultZone = ZoneId.of("UTC");
    private RecipientPreferences preferences;
    private LongSupplier clock = System::currentTimeMillis;

    /**
     * When (epoch ms) the notification may go out at the earliest because of quiet hours, or 0 when they do not
     * hold it back. {@code typeWindow}: {@code notify.quiet-hours.type.<type>} (blank = not set, {@code none} =
     * this type has none). Measured at the time it would go out otherwise: its {@code deliverat}, else now.
     */
    public long notBefore(NotificationEvent event, String typeWindow) {
        return notBefore(event, typeWindow, 0L);
    }

    /** As above, for a notification also held back {@code holdMs} by the politeness limit: measured at its end. */
    public long notBefore(NotificationEvent event, String typeWindow, Long holdMs) {
        java.time.OffsetDateTime dueAt = event.getDeliverAt();
        String window = typeWindow == null || typeWindow.isBlank()
                ? (preferences != null && preferences.isTransactional(event.getType()) ? "" : defaultWindow)
                : typeWindow.strip();
        if (window.isEmpty() || window.equalsIgnoreCase("none")) {
            return 0;
        }
        long due = Math.max(clock.getAsLong() + (holdMs == null ? 0 : Math.max(0, holdMs)),
                dueAt == null ? 0 : dueAt.toInstant().toEpochMilli());
        long end;
        try {
            end = endOf(window, Instant.ofEpochMilli(due).atZone(zoneOf(event.getContact())));
        } catch (IllegalArgumentException e) {
            // a per-type window set wrong: every event of the type says so, nothing goes out in a window by mistake
            throw new PermanentFailureException("quiet-hours-invalid", "notify.quiet-hours.type." + event.getType()
                    + ": " + e.getMessage());
        }
        return end > due ? end : 0;
    }

    /** The end (epoch ms) of the window {@code at} lies in, or 0 when it lies outside. */
    static long endOf(String window, ZonedDateTime at) {
        int dash = window.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("a quiet-hours window is HH:mm-HH:mm, e.g. 21:00-08:00");
        }
        LocalTime start;
        LocalTime end;
        try {
            start = LocalTime.parse(window.substring(0, dash).strip());
            end = LocalTime.parse(window.substring(dash + 1).strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a quiet-hours window is HH:mm-HH:mm, e.g. 21:00-08:00");
        }
        if (start.equals(end)) {
            throw new IllegalArgumentException("a quiet-hours window from " + start + " to " + start
                    + " is empty (or all day?): give two different times, or none");
        }
        LocalTime now = at.toLocalTime();
        if (start.isBefore(end)) {
            // the same day: 12:00-14:00
            return !now.isBefore(start) && now.isBefore(end) ? wallClock(at.toLocalDate(), end, at.getZone()) : 0;
        }
        // across midnight: 21:00-08:00
        if (!now.isBefore(start)) {
            return wallClock(at.toLocalDate().plusDays(1), end, at.getZone());
        }
        return now.isBefore(end) ? wallClock(at.toLocalDate(), end, at.getZone()) : 0;
    }

    /** That wall-clock time of that day in the zone; one the clocks skip (spring forward) is the moment they jump. */
    private static long wallClock(java.time.LocalDate day, LocalTime time, ZoneId zone) {
        java.time.LocalDateTime local = day.atTime(time);
        java.time.zone.ZoneOffsetTransition gap = zone.getRules().getTransition(local);
        if (gap != null && gap.isGap()) {
            return gap.getInstant().toEpochMilli();
        }
        return local.atZone(zone).toInstant().toEpochMilli();
    }

    private ZoneId zoneOf(Contact contact) {
        Object zone = contact == null ? null : contact.getFields().get("timeZone");
        if (zone instanceof String id && !id.isBlank()) {
            try {
                return ZoneId.of(id.strip());
            } catch (DateTimeException e) {
                // a contact record with a zone we do not know: the default, not a failed delivery
                return defaultZone;
            }
        }
        return defaultZone;
    }

    /** {@code notify.quiet-hours.default}: the window of every non-transactional type without its own; blank = none. */
    public void setDefaultWindow(String defaultWindow) {
        if (defaultWindow != null && !defaultWindow.isBlank() && !defaultWindow.strip().equalsIgnoreCase("none")) {
            endOf(defaultWindow.strip(), ZonedDateTime.now()); // fails at start on a malformed window
        }
        this.defaultWindow = defaultWindow == null ? "" : defaultWindow.strip();
    }

    /** {@code notify.quiet-hours.zone}: the zone of recipients whose contact names none. */
    public void setDefaultZone(String zone) {
        this.defaultZone = ZoneId.of(zone.strip());
    }

    public void setPreferences(RecipientPreferences preferences) {
        this.preferences = preferences;
    }

    void setClock(LongSupplier clock) {
        this.clock = clock;
    }
}
