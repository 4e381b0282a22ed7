package com.example.notify.preferences;

import com.example.notify.contacts.Contact;
import com.example.notify.event.NotificationEvent;
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
        java.time.OffsetDateTime dueAt = event.getDeliverAt();
        String window = typeWindow == null || typeWindow.isBlank()
                ? (preferences != null && preferences.isTransactional(event.getType()) ? "" : defaultWindow)
                : typeWindow.strip();
        if (window.isEmpty() || window.equalsIgnoreCase("none")) {
            return 0;
        }
        long due = Math.max(clock.getAsLong(), dueAt == null ? 0 : dueAt.toInstant().toEpochMilli());
        long end = endOf(window, Instant.ofEpochMilli(due).atZone(zoneOf(event.getContact())));
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
        LocalTime now = at.toLocalTime();
        if (start.equals(end)) {
            return 0;
        }
        if (start.isBefore(end)) {
            // the same day: 12:00-14:00
            return !now.isBefore(start) && now.isBefore(end) ? at.with(end).toInstant().toEpochMilli() : 0;
        }
        // across midnight: 21:00-08:00
        if (!now.isBefore(start)) {
            return at.plusDays(1).with(end).toInstant().toEpochMilli();
        }
        return now.isBefore(end) ? at.with(end).toInstant().toEpochMilli() : 0;
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
