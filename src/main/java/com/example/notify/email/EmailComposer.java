package com.example.notify.email;

import com.example.notify.contract.Channels;
import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.preferences.UnsubscribeTokens;
import com.example.notify.support.TypeSettings;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.StreamProvider;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;

/**
 * Builds the MIME message for one event: rendered subject, text and (optionally) HTML as
 * {@code multipart/alternative}, From/Reply-To per notification type, a Message-ID derived from the event so
 * a retried send is recognisable, and RFC 8058 one-click unsubscribe headers for bulk types.
 *
 * <p>Per-type settings are properties {@code notify.email.type.<event type>.from|reply-to|bulk}; without
 * them the defaults {@code notify.email.from}, {@code notify.email.reply-to} apply and a type is
 * transactional (no List-Unsubscribe).
 */
public class EmailComposer implements CamelContextAware {

    private CamelContext camelContext;
    private TypeSettings settings = TypeSettings.NONE;
    private String digestTemplate = "digest";

    static {
        // Jakarta Mail looks its StreamProvider up through ServiceLoader on every encode, scanning every jar on
        // the class path (a fifth of the consumer thread's CPU in the bundle benchmark); naming the
        // implementation skips the scan
        if (System.getProperty(StreamProvider.class.getName()) == null) {
            System.setProperty(StreamProvider.class.getName(), "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    private static final Session SESSION = Session.getInstance(new Properties());
    private static final java.time.format.DateTimeFormatter DATE =
            java.time.format.DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", java.util.Locale.ROOT);

    private final Map<String, InternetAddress> parsedAddresses = new HashMap<>();
    private TemplateRenderer renderer;
    private String from;
    private String replyTo;
    private String messageIdDomain;
    private String unsubscribeBaseUrl;
    private String unsubscribeMailto;
    private String listIdDomain;
    private UnsubscribeTokens unsubscribeTokens;
    private com.example.notify.preferences.RecipientPreferences preferences;
    private String defaultProvider = "smtp";
    private boolean allowUtf8Addresses;

    public MimeMessage compose(Exchange exchange) throws MessagingException {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String channel = exchange.getProperty(ExchangeProperties.CHANNEL, Channels.EMAIL, String.class);
        NotificationEvent.Recipient recipient = event.getRecipient();
        InternetAddress to = AddressValidator.parse(recipient.getEmail(), recipient.getName(), allowUtf8Addresses);

        boolean bulk = Boolean.parseBoolean(typeSetting(event, "bulk").orElse("false"));
        // the link is made before rendering: templates show it in the footer (${unsubscribeUrl})
        String unsubscribeLink = bulk ? unsubscribeLink(event) : null;
        Map<String, Object> model = TemplateRenderer.modelOf(event);
        if (unsubscribeLink != null) {
            model.put("unsubscribeUrl", unsubscribeLink); // a fresh map per event
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> digestItems = exchange.getProperty(ExchangeProperties.DIGEST_ITEMS, List.class);
        String digestId = exchange.getProperty(ExchangeProperties.DIGEST_ID, String.class);
        RenderedEmail rendered;
        if (digestItems != null && digestId != null) {
            // a digest: one message with all items (in order of arrival), from the type's digest template
            model.put("items", digestItems);
            model.put("digest", Map.of("id", digestId, "count", digestItems.size()));
            rendered = renderer.render(digestTemplate(event), event.getLocale(), model);
        } else {
            rendered = renderer.render(event.getTemplate(), event.getLocale(), model);
        }
        MimeMessage message = new FixedIdMimeMessage(SESSION, messageId(exchange));
        message.setFrom(configuredAddress(typeSetting(event, "from").orElse(from), "from"));
        Optional<String> reply = typeSetting(event, "reply-to").or(() -> Optional.ofNullable(blankToNull(replyTo)));
        if (reply.isPresent()) {
            message.setReplyTo(new InternetAddress[] {configuredAddress(reply.get(), "reply-to")});
        }
        message.setRecipient(Message.RecipientType.TO, to);
        message.setSubject(rendered.subject(), StandardCharsets.UTF_8.name());
        // RFC 5322 date; MimeMessage.setSentDate formats through a shared, synchronized SimpleDateFormat
        message.setHeader("Date", DATE.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)));
        if (bulk) {
            addListHeaders(message, event, unsubscribeLink);
        }
        if (rendered.html() == null) {
            message.setText(rendered.text(), StandardCharsets.UTF_8.name());
        } else {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(rendered.text(), StandardCharsets.UTF_8.name());
            MimeBodyPart html = new MimeBodyPart();
            html.setText(rendered.html(), StandardCharsets.UTF_8.name(), "html");
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            message.setContent(alternative);
        }
        message.saveChanges();
        return message;
    }

    /**
     * The Message-ID {@link #compose} gives this exchange's email (a digest's from the digest id): deliver-email
     * sets it as {@code notifyMessageId} in a step of its own (email-message-id), for the status events.
     */
    public String messageId(Exchange exchange) {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String channel = exchange.getProperty(ExchangeProperties.CHANNEL, Channels.EMAIL, String.class);
        String digestId = exchange.getProperty(ExchangeProperties.DIGEST_ID, String.class);
        boolean digest = digestId != null && exchange.getProperty(ExchangeProperties.DIGEST_ITEMS) != null;
        return digest ? messageIdOf(digestId, channel) : messageId(event, channel);
    }

    /** The provider for this event's type ({@code notify.email.type.<type>.provider}) or the default one. */
    public String provider(Exchange exchange) {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        return typeSetting(event, "provider").orElse(defaultProvider);
    }

    /** {@code <hash of source+id>.<channel>@domain}: stable across retries and replays of the same event. */
    String messageId(NotificationEvent event, String channel) {
        return messageIdOf(event.getDedupeKey(), channel);
    }

    /** {@code notify.digest.types.<type>.template}, else {@code notify.digest.template} (templates/digest). */
    String digestTemplate(NotificationEvent event) {
        return settings.get(com.example.notify.digest.DigestWindows.PREFIX + event.getType() + ".template").orElse(digestTemplate);
    }

    public void setDigestTemplate(String digestTemplate) {
        this.digestTemplate = digestTemplate;
    }

    private String messageIdOf(String dedupeKey, String channel) {
        String digest = com.example.notify.preferences.RecipientKeys.sha256Hex(dedupeKey);
        String domain = blankToNull(messageIdDomain) != null ? messageIdDomain : domainOf(from);
        return "<" + digest.substring(0, 32) + "." + channel + "@" + domain + ">";
    }

    /**
     * The one-click unsubscribe URL: the base URL and a signed token naming the address (by hash) and the list.
     * A bulk type without base URL or keys cannot honour RFC 8058: a permanent failure, not a mail without it.
     */
    private String unsubscribeLink(NotificationEvent event) {
        if (preferences != null && preferences.isTransactional(event.getType())) {
            // a one-click link that cannot stop anything (transactional mail is never unsubscribable) would
            // confirm an unsubscribe that does not happen
            throw new PermanentFailureException("unsubscribe-not-configured", "type " + event.getType()
                    + " is bulk and transactional (notify.preferences.transactional-types): it cannot be both");
        }
        if (blankToNull(unsubscribeBaseUrl) == null || unsubscribeTokens == null || !unsubscribeTokens.configured()) {
            throw new PermanentFailureException("unsubscribe-not-configured", "type " + event.getType()
                    + " is bulk but notify.email.unsubscribe-base-url or notify.unsubscribe.secret is not set");
        }
        String token = unsubscribeTokens.issue(
                com.example.notify.preferences.RecipientKeys.addressHash(event.getRecipient().getEmail()), listOf(event));
        return unsubscribeBaseUrl.endsWith("/") ? unsubscribeBaseUrl + token : unsubscribeBaseUrl + "/" + token;
    }

    /** The type's category ({@code notify.email.type.<type>.category}) or the type: the list it is mailed as. */
    private String listOf(NotificationEvent event) {
        String list = typeSetting(event, "category").orElse(event.getType());
        // types are held to this by the event schema; a category is configuration, checked here: it goes into a
        // header (List-Id) and into the signed token
        if (!LIST_NAME.matcher(list).matches()) {
            throw new PermanentFailureException("unsubscribe-not-configured",
                    "category of type " + event.getType() + " must be 1-128 of [A-Za-z0-9._-]");
        }
        return list;
    }

    private static final java.util.regex.Pattern LIST_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private void addListHeaders(MimeMessage message, NotificationEvent event, String link) throws MessagingException {
        String value = "<" + link + ">";
        if (blankToNull(unsubscribeMailto) != null) {
            value += ", <mailto:" + unsubscribeMailto + ">";
        }
        message.setHeader("List-Unsubscribe", value);
        message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        // RFC 2919: <label.domain>; a type or category is [A-Za-z0-9._-], already a valid dot-atom
        String domain = blankToNull(listIdDomain) != null ? listIdDomain : domainOf(from);
        message.setHeader("List-Id", "<" + listOf(event) + "." + domain + ">");
    }

    private Optional<String> typeSetting(NotificationEvent event, String key) {
        return settings.get("notify.email.type." + event.getType() + "." + key);
    }

    private synchronized InternetAddress configuredAddress(String value, String what) {
        return parsedAddresses.computeIfAbsent(value, v -> {
            try {
                InternetAddress parsed = new InternetAddress(v, true);
                if (AddressValidator.hasControlCharacter(v)) {
                    throw new AddressException("control characters");
                }
                return parsed;
            } catch (AddressException e) {
                throw new IllegalStateException("configured " + what + " address is not valid: " + v, e);
            }
        });
    }

    private static String domainOf(String address) {
        String a = address == null ? "" : address;
        int at = a.lastIndexOf('@');
        return at < 0 ? "localhost" : a.substring(at + 1).replace(">", "").strip();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    public void setRenderer(TemplateRenderer renderer) {
        this.renderer = renderer;
    }

    public void setFrom(String from) {
        this.from = from;
    }

    public void setReplyTo(String replyTo) {
        this.replyTo = replyTo;
    }

    public void setMessageIdDomain(String messageIdDomain) {
        this.messageIdDomain = messageIdDomain;
    }

    /** Where one-click unsubscribes are received ({@code notify.email.unsubscribe-base-url}); the token is appended. */
    public void setUnsubscribeBaseUrl(String unsubscribeBaseUrl) {
        this.unsubscribeBaseUrl = unsubscribeBaseUrl;
    }

    /** Which types are transactional: such a type cannot be bulk (its link could unsubscribe no one). */
    public void setPreferences(com.example.notify.preferences.RecipientPreferences preferences) {
        this.preferences = preferences;
    }

    public void setUnsubscribeTokens(UnsubscribeTokens unsubscribeTokens) {
        this.unsubscribeTokens = unsubscribeTokens;
    }

    /** Domain of the List-Id header ({@code notify.email.list-id-domain}); empty: the From address's domain. */
    public void setListIdDomain(String listIdDomain) {
        this.listIdDomain = listIdDomain;
    }

    public void setDefaultProvider(String defaultProvider) {
        this.defaultProvider = defaultProvider;
    }

    public void setUnsubscribeMailto(String unsubscribeMailto) {
        this.unsubscribeMailto = unsubscribeMailto;
    }

    /** Internationalised recipient addresses may be sent (property {@code notify.email.allow-utf8-addresses}). */
    public void setAllowUtf8Addresses(boolean allowUtf8Addresses) {
        this.allowUtf8Addresses = allowUtf8Addresses;
    }

    /** Jakarta Mail replaces the Message-ID on every saveChanges(); ours must survive. */
    static final class FixedIdMimeMessage extends MimeMessage {
        private final String messageId;

        FixedIdMimeMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
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
