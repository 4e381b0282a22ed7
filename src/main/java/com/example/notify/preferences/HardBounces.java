package com.example.notify.preferences;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.HardBounceException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import org.apache.camel.Exchange;

/**
 * Turns a hard bounce (a {@link HardBounceException} the SMTP reply table marked {@code suppress}) into the
 * suppressions-topic record that stops the next event to the address: key the address hash (never the address),
 * value {@code {"reason":"hard-bounce","at":…,"code":<reply-table reason>}}.
 */
public class HardBounces {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Clock clock;

    public HardBounces() {
        this(Clock.systemUTC());
    }

    HardBounces(Clock clock) {
        this.clock = clock;
    }

    /** The reply-table reason of the hard bounce that ended this exchange, e.g. {@code smtp-recipient-unknown}. */
    public String reason(Exchange exchange) {
        HardBounceException bounce = bounceOf(exchange);
        return bounce == null ? "hard-bounce" : bounce.reason();
    }

    /** The suppression record key: the bounced address's hash. */
    public String key(Exchange exchange) {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String email = event == null ? null : event.getRecipient().getEmail();
        if (email == null || email.isBlank()) {
            throw new IllegalStateException("hard bounce without a recipient address");
        }
        return RecipientKeys.addressHash(email);
    }

    /** The suppression record value. */
    public String record(Exchange exchange) throws Exception {
        ObjectNode value = MAPPER.createObjectNode();
        value.put("reason", "hard-bounce");
        value.put("at", Instant.now(clock).toString());
        value.put("code", reason(exchange));
        return MAPPER.writeValueAsString(value);
    }

    static HardBounceException bounceOf(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (caught == null) {
            caught = exchange.getException();
        }
        for (Throwable t = caught; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HardBounceException bounce) {
                return bounce;
            }
        }
        return null;
    }
}
