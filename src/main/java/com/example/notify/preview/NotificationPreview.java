package com.example.notify.preview;

import com.example.notify.contract.Channels;
import com.example.notify.contract.ExchangeProperties;
import com.example.notify.contacts.ContactDirectory;
import com.example.notify.email.EmailComposer;
import com.example.notify.email.TemplateRenderer;
import com.example.notify.event.Contact;
import com.example.notify.event.EventValidator;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.pardot.ProspectMapper;
import com.example.notify.preferences.RecipientPreferences;
import com.example.notify.signing.StandardWebhooksSigner;
import com.example.notify.support.TypeSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * What an event would produce, per channel, without sending anything: runs the beans delivery runs (the event
 * validator, the contact directory, the recipient preferences, the email composer and its template renderer, the
 * Pardot prospect mapper, the webhook template and the Standard Webhooks signer) on an exchange of its own, and
 * never calls a route: no provider is called, no dedupe key is stored, no status or record is published.
 *
 * <p>Politeness is asked read-only (the limiter's peek: nothing is counted or reserved). Not evaluated: the Pardot
 * recent-upsert cache and quota (state of the running bundle, not of the event).
 */
public class NotificationPreview implements CamelContextAware {

    private CamelContext camelContext;
    private TypeSettings settings = TypeSettings.NONE;
    // the delivery beans, injected by routes/preview-events.camel.yaml: Camel main makes their files' beans before
    // its own (in an order of its own, not by name: were that to change, start-up fails naming the missing bean)
    private EventValidator eventValidator;
    private RecipientPreferences recipientPreferences;
    private EmailComposer emailComposer;
    private TemplateRenderer templateRenderer;
    private ProspectMapper prospectMapper;

    static final int SUBJECT_LIMIT = 78;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The report for one event (its JSON as received); an event that fails validation is a report with the problems.
     * Its contact comes from the contact directory bean (bin/preview-event: the file directory, no network).
     */
    public PreviewReport preview(byte[] eventJson) {
        return preview(eventJson, event -> bean("contactDirectory", ContactDirectory.class).find(event.getRecipient().getContactId()));
    }

    /** The valid event of this JSON, or null (the report names its problems): route preview-event looks up its contact. */
    public NotificationEvent validOrNull(byte[] eventJson) {
        try {
            return eventValidator.validate(eventJson, Map.of());
        } catch (NotificationFailureException e) {
            return null;
        }
    }

    /**
     * The admin endpoint's report: the contact as route preview-event looked it up (property {@code notifyEvent},
     * the event with its contact; or the lookup's failure), the same lookup as delivery's, through the contacts API
     * when that is the directory.
     */
    PreviewReport preview(byte[] eventJson, NotificationEvent enriched, Exception contactFailure) {
        return preview(eventJson, event -> {
            if (contactFailure instanceof RuntimeException failure) {
                throw failure;
            }
            if (contactFailure != null) {
                throw new IllegalStateException(contactFailure);
            }
            return enriched == null ? null : enriched.getContact();
        });
    }

    private PreviewReport preview(byte[] eventJson, java.util.function.Function<NotificationEvent, Contact> contacts) {
        PreviewReport report = new PreviewReport();
        NotificationEvent event;
        try {
            event = eventValidator.validate(eventJson, Map.of());
        } catch (NotificationFailureException e) {
            report.decision("validation", "refused: " + e.reason() + ": " + e.getMessage());
            return report;
        }
        report.decision("validation", "valid: type " + event.getType() + ", template " + event.getTemplate()
                + ", channels " + event.getChannels());
        if (event.getRecipient().getContactId() != null) {
            try {
                event = event.withContact(contacts.apply(event));
                report.decision("contact", "found");
            } catch (NotificationFailureException e) {
                report.decision("contact", "not usable: " + e.reason());
                return report;
            } catch (RuntimeException e) {
                report.decision("contact", "lookup failed: " + e.getClass().getSimpleName());
                return report;
            }
        } else {
            report.decision("contact", "none (inline recipient)");
        }
        for (String channel : event.getChannels()) {
            report.channels.put(channel, channel(event, channel));
        }
        return report;
    }

    private PreviewReport.Channel channel(NotificationEvent event, String channel) {
        PreviewReport.Channel out = new PreviewReport.Channel();
        RecipientPreferences preferences = recipientPreferences;
        String declined = preferences.declineReason(event, channel);
        out.decisions.put("preferences", declined == null ? "goes out (suppression list and opt-outs checked)" : "skipped: " + declined);
        out.decisions.put("politeness", preferences.politenessPreview(event, channel) + " (this replica's count; nothing counted)");
        Exchange exchange = new DefaultExchange(getCamelContext());
        exchange.setProperty(ExchangeProperties.EVENT, event);
        exchange.setProperty(ExchangeProperties.CHANNEL, channel);
        try {
            switch (channel) {
                case Channels.EMAIL -> email(event, exchange, out);
                case Channels.PARDOT -> pardot(exchange, out);
                case Channels.WEBHOOK -> webhook(event, out);
                default -> out.warnings.add("channel " + channel + " has no preview");
            }
        } catch (NotificationFailureException e) {
            out.error = e.reason() + ": " + e.getMessage();
            if (TemplateRenderer.TEMPLATE_PARAMETER_MISSING.equals(e.reason())) {
                out.warnings.add("missing parameter: " + e.getMessage());
            }
            if ("unsubscribe-not-configured".equals(e.reason())) {
                out.warnings.add("bulk type without List-Unsubscribe: " + e.getMessage());
            }
        } catch (Exception e) {
            out.error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return out;
    }

    private void email(NotificationEvent event, Exchange exchange, PreviewReport.Channel out) throws Exception {
        EmailComposer composer = emailComposer;
        MimeMessage message = composer.compose(exchange);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        message.writeTo(bytes);
        out.decisions.put("provider", composer.provider(exchange));
        out.mime = bytes.toString(StandardCharsets.UTF_8);
        out.subject = message.getSubject();
        TemplateRenderer renderer = templateRenderer;
        Map<String, Object> model = TemplateRenderer.modelOf(event);
        String text = renderer.renderPart(event.getTemplate(), "text.ftl", event.getLocale(), model, true);
        out.html = renderer.renderPart(event.getTemplate(), "html.ftlh", event.getLocale(), model, false);
        out.text = text;
        out.warnings.addAll(emailWarnings(renderer, event, message, text, out.html));
    }

    static List<String> emailWarnings(TemplateRenderer renderer, NotificationEvent event, MimeMessage message,
            String text, String html) throws Exception {
        List<String> warnings = new ArrayList<>();
        if (event.getLocale() != null) {
            String suffix = "_" + event.getLocale().replace('-', '_') + ".";
            for (String part : List.of("subject.ftl", "text.ftl", "html.ftlh")) {
                String source = renderer.sourceOf(event.getTemplate(), part, event.getLocale());
                if (source != null && !source.contains(suffix)) {
                    warnings.add("fallback locale used: " + source + " for locale " + event.getLocale());
                }
            }
        }
        if (text == null || text.isBlank()) {
            warnings.add("no text part: text.ftl renders empty");
        }
        if (html == null) {
            warnings.add("no HTML part: the template has no html.ftlh");
        }
        String subject = message.getSubject();
        if (subject != null && subject.length() > SUBJECT_LIMIT) {
            warnings.add("subject over " + SUBJECT_LIMIT + " characters (" + subject.length() + ")");
        }
        return warnings;
    }

    private void pardot(Exchange exchange, PreviewReport.Channel out) throws Exception {
        String body = prospectMapper.body(exchange);
        out.method = "POST";
        out.url = settings.get("notify.pardot.base-url").orElse("") + "/api/v5/objects/prospects/do/upsertLatestByEmail";
        out.headers.put("Authorization", "Bearer <token from notify.pardot.oauth.*>");
        settings.get("notify.pardot.business-unit-id").ifPresent(v -> out.headers.put("Pardot-Business-Unit-Id", v));
        if (Boolean.parseBoolean(settings.get("notify.pardot.return-api-usage").orElse("false"))) {
            out.headers.put("X-Return-Api-Usage", "1");
        }
        out.headers.put("Content-Type", "application/json");
        out.body = body;
        out.prospect = JSON.readTree(body).path("prospect");
        out.decisions.put("provider", "pardot (recent-upsert cache and daily quota not evaluated)");
    }

    private void webhook(NotificationEvent event, PreviewReport.Channel out) throws Exception {
        // the same lookup as routes/deliver-webhook.camel.yaml: the contact's URL, else the type's, else the default
        String url = settings.get("notify.webhook.url." + event.getType()).or(() -> settings.get("notify.webhook.url")).orElse("");
        String secrets = settings.get("notify.webhook.signing-secrets." + event.getType())
                .or(() -> settings.get("notify.webhook.signing-secrets")).orElse("");
        if (event.getContact() != null && event.getContact().getFields().get("webhookUrl") != null) {
            url = String.valueOf(event.getContact().getFields().get("webhookUrl"));
            secrets = settings.get("notify.webhook.signing-secrets").orElse("");
            out.decisions.put("url", "the contact's webhookUrl");
        } else {
            out.decisions.put("url", "notify.webhook.url(.<type>)");
        }
        String allowed = settings.get("notify.webhook.allowed-urls").orElse("");
        if (!Pattern.compile(allowed).matcher(url).matches()) {
            out.error = "webhook-url-not-allowed: no webhook URL, or one outside notify.webhook.allowed-urls";
        }
        String rendered = templateRenderer.renderFor(event, "webhook.ftl");
        // as the route: parsed and written again by Jackson, so the bytes posted are compact JSON
        String body = JSON.writeValueAsString(JSON.readTree(rendered));
        out.method = "POST";
        out.url = url;
        out.headers.put("Content-Type", "application/json; charset=utf-8");
        java.util.Map<String, String> signed = new java.util.LinkedHashMap<>(
                postSigner().headers(secrets, event.deliveryKey(Channels.WEBHOOK), body));
        // never a real signature: it would be valid at the receiver for a body the caller of the preview chose (a
        // forgery with a preview token); it is made per attempt anyway, with that attempt's timestamp
        signed.computeIfPresent("webhook-signature", (k, v) -> "v1,<computed at send time: one per signing secret>");
        out.headers.putAll(signed);
        out.body = body;
        out.decisions.put("signed", secrets.isBlank() ? "no (no signing secret configured)" : "yes");
    }

    // application.properties declares it (camel.beans.postSigner, shared by the channels that post), and Camel main
    // creates those beans after the route files' beans: a #postSigner in preview-events.camel.yaml fails start-up
    private StandardWebhooksSigner postSigner() {
        return bean("postSigner", StandardWebhooksSigner.class);
    }

    private <T> T bean(String name, Class<T> type) {
        T bean = getCamelContext().getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("bean " + name + " is not in the registry");
        }
        return bean;
    }

    /**
     * The admin endpoint (routes/preview-events.camel.yaml): the event JSON in the body; the report as JSON, or
     * with query {@code format=html} the email preview as a page for a browser.
     */
    public String respond(Exchange exchange) throws Exception {
        PreviewReport report = preview(exchange.getMessage().getBody(byte[].class),
                exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class),
                exchange.getProperty(ExchangeProperties.PREVIEW_CONTACT_FAILURE, Exception.class));
        boolean html = "html".equals(exchange.getMessage().getHeader("format", String.class));
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, html ? "text/html; charset=utf-8" : "application/json");
        return html ? PreviewPage.html(report) : json(report);
    }

    /** The report as JSON. */
    public static String json(PreviewReport report) throws Exception {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
    }

    static Map<String, Object> map() {
        return new LinkedHashMap<>();
    }

    public void setEventValidator(EventValidator eventValidator) {
        this.eventValidator = eventValidator;
    }

    public void setRecipientPreferences(RecipientPreferences recipientPreferences) {
        this.recipientPreferences = recipientPreferences;
    }

    public void setEmailComposer(EmailComposer emailComposer) {
        this.emailComposer = emailComposer;
    }

    public void setTemplateRenderer(TemplateRenderer templateRenderer) {
        this.templateRenderer = templateRenderer;
    }

    public void setProspectMapper(ProspectMapper prospectMapper) {
        this.prospectMapper = prospectMapper;
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
