package com.example.notify.observe;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.decorators.AbstractSpanDecorator;
import org.apache.camel.util.StringHelper;

/**
 * Names the provider call over SMTP after its scheme ({@code smtp}/{@code smtps}): camel-telemetry has no
 * decorator for camel-mail and would name it after the component's first scheme, {@code imap}. Registered in
 * META-INF/services/org.apache.camel.telemetry.SpanDecorator.
 */
public class SmtpSpanDecorator extends AbstractSpanDecorator {

    @Override
    public String getComponent() {
        return "smtp";
    }

    @Override
    public String getComponentClassName() {
        return "org.apache.camel.component.mail.MailComponent";
    }

    @Override
    public String getOperationName(Exchange exchange, Endpoint endpoint) {
        return scheme(endpoint);
    }

    @Override
    public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
        super.beforeTracingEvent(span, exchange, endpoint);
        span.setComponent("camel-" + scheme(endpoint));
    }

    private static String scheme(Endpoint endpoint) {
        return StringHelper.before(endpoint.getEndpointUri(), ":", "smtp");
    }

    /** The same for {@code smtps:} endpoints. */
    public static class Smtps extends SmtpSpanDecorator {
        @Override
        public String getComponent() {
            return "smtps";
        }
    }
}
