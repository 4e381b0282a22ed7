package com.example.notify.tools;

import com.example.notify.contacts.FileContactDirectory;
import com.example.notify.email.EmailComposer;
import com.example.notify.email.TemplateRenderer;
import com.example.notify.event.EventValidator;
import com.example.notify.pardot.ProspectMapper;
import com.example.notify.preferences.RecipientPreferences;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.preferences.UnsubscribeTokens;
import com.example.notify.preview.NotificationPreview;
import com.example.notify.preview.PreviewPage;
import com.example.notify.preview.PreviewReport;
import com.example.notify.signing.StandardWebhooksSigner;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * {@code bin/preview-event [--html] [--contacts file] [--profile p] <event.json|->}: the preview of one event
 * without a broker or a running bundle. The delivery beans are built the way the routes' {@code beans:} sections
 * build them, from application.properties (and application-&lt;profile&gt;.properties) of the working directory,
 * with contacts from a JSON file (default {@code notify.contacts.file}, the embedded default examples/contacts.json)
 * and an empty suppression list (the live one is on a topic: the admin endpoint POST /admin/preview has it).
 * Prints the report as JSON, or with {@code --html} the page the endpoint serves.
 */
public final class PreviewEvent {

    private PreviewEvent() {
    }

    public static void main(String[] args) throws Exception {
        // the report goes to stdout (to pipe into a file or jq): Camel's start-up lines must not mix into it
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.WARN);
        boolean html = false;
        String contacts = null;
        String profile = null;
        String input = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--html" -> html = true;
                case "--contacts" -> contacts = args[++i];
                case "--profile" -> profile = args[++i];
                default -> input = args[i];
            }
        }
        if (input == null) {
            System.err.println("usage: bin/preview-event [--html] [--contacts file] [--profile p] <event.json|->");
            System.exit(2);
        }
        byte[] event = "-".equals(input) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(input));
        try (CamelContext context = context(Path.of("."), profile, contacts)) {
            PreviewReport report = context.getRegistry().lookupByNameAndType("notificationPreview", NotificationPreview.class)
                    .preview(event);
            System.out.println(html ? PreviewPage.html(report) : NotificationPreview.json(report));
        }
    }

    /** A Camel context with the configuration of {@code dir} and the beans a preview uses; no routes, no broker. */
    public static CamelContext context(Path dir, String profile, String contactsFile) throws Exception {
        DefaultCamelContext context = new DefaultCamelContext();
        String locations = "file:" + dir.resolve("application.properties");
        if (profile != null) {
            locations = "file:" + dir.resolve("application-" + profile + ".properties") + "," + locations;
        }
        context.getPropertiesComponent().setLocation(locations);
        context.start();

        EventValidator validator = new EventValidator();
        validator.setMaxBytes(Integer.parseInt(p(context, "notify.event.max-bytes")));
        validator.setMaxDeliverAhead(p(context, "notify.schedule.max-ahead"));
        FileContactDirectory directory = new FileContactDirectory();
        String file = contactsFile != null ? contactsFile : p(context, "notify.contacts.file");
        directory.setFile(new File(file).isAbsolute() || contactsFile != null ? file : dir.resolve(file).toString());
        RecipientPreferences preferences = new RecipientPreferences();
        preferences.setCamelContext(context);
        preferences.setSuppressions(new SuppressionList());
        preferences.setTransactionalTypes(p(context, "notify.preferences.transactional-types"));
        TemplateRenderer renderer = new TemplateRenderer();
        renderer.setDirectory(dir.resolve(p(context, "notify.email.templates-dir")).toString());
        renderer.setDefaultLocale(p(context, "notify.email.default-locale"));
        UnsubscribeTokens tokens = new UnsubscribeTokens(p(context, "notify.unsubscribe.secret"),
                Long.parseLong(p(context, "notify.unsubscribe.max-age-days")));
        EmailComposer composer = new EmailComposer();
        composer.setCamelContext(context);
        composer.setRenderer(renderer);
        composer.setFrom(p(context, "notify.email.from"));
        composer.setReplyTo(p(context, "notify.email.reply-to"));
        composer.setMessageIdDomain(p(context, "notify.email.message-id-domain"));
        composer.setUnsubscribeBaseUrl(p(context, "notify.email.unsubscribe-base-url"));
        composer.setUnsubscribeMailto(p(context, "notify.email.unsubscribe-mailto"));
        composer.setUnsubscribeTokens(tokens);
        composer.setPreferences(preferences);
        composer.setListIdDomain(p(context, "notify.email.list-id-domain"));
        composer.setAllowUtf8Addresses(Boolean.parseBoolean(p(context, "notify.email.allow-utf8-addresses")));
        composer.setDefaultProvider(p(context, "notify.email.provider"));
        ProspectMapper mapper = new ProspectMapper();
        mapper.setCamelContext(context);
        NotificationPreview preview = new NotificationPreview();
        preview.setCamelContext(context);
        preview.setEventValidator(validator);
        preview.setRecipientPreferences(preferences);
        preview.setEmailComposer(composer);
        preview.setTemplateRenderer(renderer);
        preview.setProspectMapper(mapper);

        context.getRegistry().bind("eventValidator", validator);
        context.getRegistry().bind("contactDirectory", directory);
        context.getRegistry().bind("recipientPreferences", preferences);
        context.getRegistry().bind("templateRenderer", renderer);
        context.getRegistry().bind("emailComposer", composer);
        context.getRegistry().bind("prospectMapper", mapper);
        context.getRegistry().bind("postSigner", new StandardWebhooksSigner());
        context.getRegistry().bind("notificationPreview", preview);
        return context;
    }

    private static String p(CamelContext context, String key) {
        return context.getPropertiesComponent().resolveProperty(key).orElse("");
    }
}
