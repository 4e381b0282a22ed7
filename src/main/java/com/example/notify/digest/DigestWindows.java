package com.example.notify.digest;

import com.example.notify.contract.Channels;
import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.preferences.RecipientKeys;
import com.example.notify.support.TypeSettings;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * Which types are digested and when a digest window that opens now closes: {@code notify.digest.types.<type>.window}
 * (an ISO-8601 duration such as {@code PT30M}) or {@code notify.digest.types.<type>.until} (a daily time, HH:mm, in
 * the recipient's zone: the contact's {@code fields.timeZone}, else {@code notify.digest.zone}). Only the email
 * channel digests. Each item carries the close of the window it would open ({@link #closesAt}); the collector takes
 * the first item's, so it needs neither the configuration nor the contact, and a restart rebuilds the same windows.
 */
public class DigestWindows implements CamelContextAware {

    private CamelContext camelContext;
    private TypeSettings settings = TypeSettings.NONE;

    public static final String PREFIX = "notify.digest.types.";
    private ZoneId defaultZone = ZoneId.of("UTC");
    private LongSupplier clock = System::currentTimeMillis;

    /** True when this type's notifications on this channel go into digests. */
    public boolean isDigest(String channel, NotificationEvent event) {
        String type = event == null ? null : event.getType();
        return Channels.EMAIL.equals(channel) && type != null
                && (settings.get(PREFIX + type + ".window").isPresent() || settings.get(PREFIX + type + ".until").isPresent());
    }

    /** Now, as the digests see it (epoch ms). */
    public long now() {
        return clock.getAsLong();
    }

    /** When a window of this event's type opened now closes (epoch ms). */
    public long closesAt(NotificationEvent event) {
        return closesAt(event.getType(), now(), zoneOf(event.getContact()));
    }

    /** Header values are text (camel-kafka would write a Long as 8 binary bytes). */
    public String arrivedHeader() {
        return String.valueOf(now());
    }

    public String closesHeader(NotificationEvent event) {
        return String.valueOf(closesAt(event));
    }

    long closesAt(String type, long openedAt, ZoneId zone) {
        Optional<String> window = settings.get(PREFIX + type + ".window");
        try {
            if (window.isPresent()) {
                return openedAt + Duration.parse(window.get()).toMillis();
            }
            return nextDaily(LocalTime.parse(settings.get(PREFIX + type + ".until").orElseThrow()), openedAt, zone);
        } catch (DateTimeException | java.util.NoSuchElementException e) {
            throw new PermanentFailureException("digest-window-invalid", "digest window of type " + type + " is not a duration or HH:mm");
        }
    }

    /** The first time after {@code at} when the wall clock of the zone shows {@code until}. */
    static long nextDaily(LocalTime until, long at, ZoneId zone) {
        ZonedDateTime now = Instant.ofEpochMilli(at).atZone(zone);
        ZonedDateTime today = now.toLocalDate().atTime(until).atZone(zone);
        ZonedDateTime next = today.isAfter(now) ? today : now.toLocalDate().plusDays(1).atTime(until).atZone(zone);
        return next.toInstant().toEpochMilli();
    }

    /** The digest topic's key: one window per recipient and type; the recipient by id or address hash, never the address. */
    public String key(NotificationEvent event) {
        String recipient = RecipientKeys.recipientKey(event);
        return (recipient == null ? "unknown" : recipient) + "|" + event.getType();
    }

    private ZoneId zoneOf(Contact contact) {
        Object zone = contact == null ? null : contact.getFields().get("timeZone");
        if (zone instanceof String id && !id.isBlank()) {
            try {
                return ZoneId.of(id.strip());
            } catch (DateTimeException e) {
                return defaultZone;
            }
        }
        return defaultZone;
    }

    public void setDefaultZone(String zone) {
        this.defaultZone = ZoneId.of(zone.strip());
    }

    /** Tests: a controllable clock. */
    public void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        this.settings = TypeSettings.of(camelContext);
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
