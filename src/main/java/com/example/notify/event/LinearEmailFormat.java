package com.example.notify.event;

import com.example.notify.email.EmailSyntax;
import com.networknt.schema.ExecutionContext;
import com.networknt.schema.Format;

/**
 * The schema's {@code format: email}, by the bundle's address policy ({@link EmailSyntax}) in linear time.
 * Internationalised local parts pass here (whether they can be sent is decided at delivery, by
 * {@code notify.email.allow-utf8-addresses}); address literals and Unicode domains do not.
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
        return EmailSyntax.isValid(value, true);
    }
}
