package com.example.notify.event;

import com.networknt.schema.ExecutionContext;
import com.networknt.schema.Format;

/**
 * The schema's {@code format: email} in linear time: the shape of one mailbox ({@link EmailSyntax#isPlausible}).
 * The address policy (no literals, ASCII/punycode domains, SMTPUTF8) is applied at delivery, per channel, as a
 * permanent {@code invalid-recipient-address}: one event's bad address must not fail its other channels.
 */
final class LinearEmailFormat implements Format {

    @Override
    public String getName() {
        return "email";
    }

    @Override
    public String getMessageKey() {
        return "format";
    }

    @Override
    public boolean matches(ExecutionContext executionContext, String value) {
        return EmailSyntax.isPlausible(value);
    }
}
