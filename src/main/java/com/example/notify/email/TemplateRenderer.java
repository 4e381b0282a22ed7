package com.example.notify.email;

import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import freemarker.core.TemplateClassResolver;
import freemarker.core.PlainTextOutputFormat;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateNotFoundException;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@code templates/<template>/subject.ftl}, {@code text.ftl} and {@code html.ftlh} with FreeMarker.
 * FreeMarker's localized lookup gives the fallback {@code html_de_AT.ftlh -> html_de.ftlh -> html.ftlh};
 * {@code .ftlh} files escape HTML by default; a missing parameter is an error, not an empty string.
 * Templates are re-read when they change ({@code updateDelaySeconds}), so integrators edit them live.
 */
public class TemplateRenderer {

    public static final String TEMPLATE_NOT_FOUND = "template-not-found";
    public static final String TEMPLATE_PARAMETER_MISSING = "template-parameter-missing";
    public static final String TEMPLATE_ERROR = "template-error";

    private String directory = "templates";
    private Locale defaultLocale = Locale.ENGLISH;
    private int updateDelaySeconds = 5;
    private volatile Configuration configuration;

    public void setDirectory(String directory) {
        this.directory = directory;
    }

    public void setDefaultLocale(String defaultLocale) {
        this.defaultLocale = Locale.forLanguageTag(defaultLocale);
    }

    public void setUpdateDelaySeconds(int updateDelaySeconds) {
        this.updateDelaySeconds = updateDelaySeconds;
    }

    public RenderedEmail render(String template, String locale, Map<String, Object> model) {
        Locale resolved = locale == null ? defaultLocale : Locale.forLanguageTag(locale);
        String subject = renderPart(template, "subject.ftl", resolved, model, true).strip();
        if (subject.indexOf('\r') >= 0 || subject.indexOf('\n') >= 0) {
            // a parameter must not be able to add header lines through the subject
            subject = subject.replaceAll("[\\r\\n]+", " ");
        }
        String text = renderPart(template, "text.ftl", resolved, model, true);
        String html = renderPart(template, "html.ftlh", resolved, model, false);
        return new RenderedEmail(subject, text, html);
    }

    /**
     * One template file of the event's template for any channel, e.g. {@code webhook.ftl}, with the
     * event's locale and its fallbacks; missing file or parameter → permanent failure, as for email.
     */
    public String renderFor(NotificationEvent event, String part) {
        Locale resolved = event.getLocale() == null ? defaultLocale : Locale.forLanguageTag(event.getLocale());
        return renderPart(event.getTemplate(), part, resolved, modelOf(event), true);
    }

    /**
     * One part of a template for a locale tag (null: the default locale) and a model, as delivery renders it;
     * null when the part is optional ({@code required} false) and absent. For the template checks and previews.
     */
    public String renderPart(String template, String part, String locale, Map<String, Object> model, boolean required) {
        Locale resolved = locale == null ? defaultLocale : Locale.forLanguageTag(locale);
        return renderPart(template, part, resolved, model, required);
    }

    /** The file name FreeMarker's localized lookup picks for this part and locale, or null when there is none. */
    public String sourceOf(String template, String part, String locale) {
        Locale resolved = locale == null ? defaultLocale : Locale.forLanguageTag(locale);
        try {
            Template t = configuration().getTemplate(template + "/" + part, resolved);
            return t.getSourceName();
        } catch (TemplateNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String getDirectory() {
        return directory;
    }

    /** What templates see: the event's params, {@code recipient.name}, {@code event.id/type/time}; never the address. */
    public static Map<String, Object> modelOf(NotificationEvent event) {
        Map<String, Object> model = new LinkedHashMap<>(event.getParams());
        Map<String, Object> recipient = new HashMap<>();
        if (event.getRecipient().getName() != null) {
            recipient.put("name", event.getRecipient().getName());
        }
        model.put("recipient", recipient);
        Map<String, Object> meta = new HashMap<>();
        meta.put("id", event.getId());
        meta.put("type", event.getType());
        if (event.getTime() != null) {
            meta.put("time", event.getTime().toString());
        }
        model.put("event", meta);
        return model;
    }

    private String renderPart(String template, String part, Locale locale, Map<String, Object> model, boolean required) {
        String name = template + "/" + part;
        try {
            Template compiled = configuration().getTemplate(name, locale);
            StringWriter out = new StringWriter();
            compiled.process(model, out);
            return out.toString();
        } catch (TemplateNotFoundException e) {
            if (!required) {
                return null;
            }
            throw new PermanentFailureException(TEMPLATE_NOT_FOUND,
                    "no template " + name + " for locale " + locale.toLanguageTag() + " or its fallbacks");
        } catch (TemplateException e) {
            String missing = e.getBlamedExpressionString();
            if (e instanceof freemarker.core.InvalidReferenceException && missing != null) {
                throw new PermanentFailureException(TEMPLATE_PARAMETER_MISSING,
                        "template " + name + " needs parameter '" + missing + "'");
            }
            throw new PermanentFailureException(TEMPLATE_ERROR, "template " + name + " failed: " + e.getMessageWithoutStackTop());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Configuration configuration() throws IOException {
        Configuration cfg = configuration;
        if (cfg == null) {
            synchronized (this) {
                if (configuration == null) {
                    cfg = new Configuration(Configuration.VERSION_2_3_34);
                    cfg.setDirectoryForTemplateLoading(new File(directory));
                    cfg.setDefaultEncoding("UTF-8");
                    cfg.setOutputFormat(PlainTextOutputFormat.INSTANCE);
                    cfg.setRecognizeStandardFileExtensions(true); // .ftlh -> HTML auto-escaping
                    cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
                    cfg.setLogTemplateExceptions(false);
                    cfg.setWrapUncheckedExceptions(true);
                    cfg.setFallbackOnNullLoopVariable(false);
                    cfg.setTemplateUpdateDelayMilliseconds(updateDelaySeconds * 1000L);
                    cfg.setAPIBuiltinEnabled(false);
                    cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
                    configuration = cfg;
                }
                cfg = configuration;
            }
        }
        return cfg;
    }
}
