package com.example.notify.preferences;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.event.NotificationEvent;
import com.example.notify.support.TypeSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * Decides, per event and channel, whether the recipient gets it: not if their address is suppressed (never
 * bypassed), not if they opted out of the channel or the notification type (transactional types bypass
 * opt-outs), and not beyond the politeness limit, whose excess is skipped or held back per type policy
 * ({@code skip}, {@code hold}, {@code exempt}; transactional types are exempt).
 */
public class RecipientPreferences implements CamelContextAware {

    private CamelContext camelContext;
    private TypeSettings settings = TypeSettings.NONE;

    private SuppressionList suppressions = new SuppressionList();
    private List<String> transactionalTypes = List.of();
    private PolitenessLimiter politeness;
    private int politenessLimit;
    private long politenessWindowMs = 86_400_000;
    private long politenessMaxHoldMs = 60_000;
    private long politenessMaxRecipients = 1_000_000;
    private String politenessPolicy = "skip";

    /**
     * Whether the recipient gets this notification on this channel: {@code reason} says why not (null: it goes
     * out), {@code holdMs} how long the politeness limit holds it back first (0: not at all).
     */
    public record Decision(String reason, long holdMs) {
        static final Decision GOES_OUT = new Decision(null, 0);
    }

    /**
     * Decides once per notification and channel, counting it against the recipient's politeness limit when it
     * goes out. apply-preferences keeps the answer in {@value ExchangeProperties#PREFERENCES} and sets
     * {@value ExchangeProperties#HOLD_MS} and {@value ExchangeProperties#STATUS_REASON} from it in steps of its own.
     */
    public Decision decide(NotificationEvent event, String channel) {
        String reason = declineReason(event, channel);
        return reason != null ? new Decision(reason, 0) : politeness(event, channel);
    }

    /** True when the recipient does not get this notification (a decision with a reason). */
    public boolean declines(Decision decision) {
        return decision.reason() != null;
    }

    /** Why the recipient does not get this channel (suppressed, opted out), without politeness; null: it goes out. */
    public String declineReason(NotificationEvent event, String channel) {
        String suppressed = suppressionReason(event);
        if (suppressed != null) {
            return suppressed;
        }
        boolean transactional = isTransactional(event.getType());
        Contact contact = event.getContact();
        if (contact != null && !transactional) {
            if (contact.getOptOutTypes().contains(event.getType())) {
                return "opted-out-type";
            }
            if (contact.getOptOutChannels().contains(channel)) {
                return "opted-out-channel";
            }
        }
        return null;
    }

    /**
     * {@code suppressed-<why>} when the recipient's address is on the suppression list, else null. Asked again
     * by the channel stages just before a delivery: a suppression (an unsubscribe, an erasure) that arrives
     * while the delivery record waits on its topic or a retry tier applies to it too.
     */
    public String suppressionReason(NotificationEvent event) {
        String suppressed = suppressions.reasonFor(event.getRecipient().getEmail());
        if (suppressed != null) {
            return "suppressed-" + suppressed;
        }
        // a one-click unsubscribe stops its list only; transactional types are never a list (nor unsubscribable)
        // both names: an unsubscribe recorded under the type holds after the type was given a category (and the
        // other way round), so configuring a category re-subscribes no one
        String email = event.getRecipient().getEmail();
        if (!isTransactional(event.getType()) && (suppressions.unsubscribedFrom(email, listOf(event.getType()))
                || suppressions.unsubscribedFrom(email, event.getType()))) {
            return "suppressed-unsubscribe";
        }
        return null;
    }

    /**
     * The list a type's mail belongs to for one-click unsubscribe: its category
     * ({@code notify.email.type.<type>.category}) when it has one, else the type itself. The composer signs the
     * same name into the unsubscribe token.
     */
    public String listOf(String type) {
        String category = settings.get("notify.email.type." + type + ".category").orElse(null);
        return category == null ? type : category;
    }

    /** Counts this notification against the recipient's limit: skipped, held back, or out at once. */
    private Decision politeness(NotificationEvent event, String channel) {
        // the limiter is off by default: decide that before resolving the type's policy property per event
        if (!limiter().enabled()) {
            return Decision.GOES_OUT;
        }
        String key = RecipientKeys.recipientKey(event);
        String policy = isTransactional(event.getType()) ? "exempt" : policyFor(event.getType());
        if (key == null || "exempt".equals(policy)) {
            return Decision.GOES_OUT;
        }
        PolitenessLimiter.Admission admission = limiter().admit(key + '\u001f' + channel,
                "hold".equals(policy) ? politenessMaxHoldMs : 0);
        return admission.admitted() ? new Decision(null, admission.holdMs()) : new Decision("politeness-limit", 0);
    }

    /**
     * The politeness decision this notification would get now, counting nothing (a preview): {@code exempt},
     * {@code off}, {@code goes out}, {@code held <ms> ms} or {@code skipped: politeness-limit}.
     */
    public String politenessPreview(NotificationEvent event, String channel) {
        if (!limiter().enabled()) {
            return "off (notify.politeness.limit)";
        }
        String key = RecipientKeys.recipientKey(event);
        String policy = isTransactional(event.getType()) ? "exempt" : policyFor(event.getType());
        if (key == null || "exempt".equals(policy)) {
            return "exempt";
        }
        PolitenessLimiter.Admission admission = limiter().peek(key + '\u001f' + channel,
                "hold".equals(policy) ? politenessMaxHoldMs : 0);
        if (!admission.admitted()) {
            return "skipped: politeness-limit";
        }
        return admission.holdMs() > 0 ? "held " + admission.holdMs() + " ms (policy hold)" : "goes out (within the limit)";
    }

    /** True for types in notify.preferences.transactional-types (exact, or a prefix ending in {@code *}). */
    public boolean isTransactional(String type) {
        for (String pattern : transactionalTypes) {
            if (pattern.endsWith("*") ? type.startsWith(pattern.substring(0, pattern.length() - 1)) : type.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private String policyFor(String type) {
        String policy = settings.get("notify.politeness.type." + type + ".policy").orElse(null);
        return (policy == null ? politenessPolicy : policy).strip().toLowerCase(Locale.ROOT);
    }

    private PolitenessLimiter limiter() {
        PolitenessLimiter l = politeness;
        if (l == null) {
            synchronized (this) {
                if (politeness == null) {
                    politeness = new PolitenessLimiter(politenessLimit, politenessWindowMs, politenessMaxHoldMs,
                            politenessMaxRecipients, System::currentTimeMillis);
                }
                l = politeness;
            }
        }
        return l;
    }

    public void setSuppressions(SuppressionList suppressions) {
        this.suppressions = suppressions;
    }

    /** Comma-separated types; {@code prefix.*} matches a family. */
    public void setTransactionalTypes(String types) {
        this.transactionalTypes = types == null ? List.of()
                : Arrays.stream(types.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    public void setPolitenessLimit(int politenessLimit) {
        this.politenessLimit = politenessLimit;
    }

    public void setPolitenessWindowMs(long politenessWindowMs) {
        this.politenessWindowMs = politenessWindowMs;
    }

    public void setPolitenessMaxHoldMs(long politenessMaxHoldMs) {
        this.politenessMaxHoldMs = politenessMaxHoldMs;
    }

    public void setPolitenessMaxRecipients(long politenessMaxRecipients) {
        this.politenessMaxRecipients = politenessMaxRecipients;
    }

    public void setPolitenessPolicy(String politenessPolicy) {
        this.politenessPolicy = politenessPolicy;
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
