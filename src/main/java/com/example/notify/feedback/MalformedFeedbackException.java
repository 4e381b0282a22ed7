package com.example.notify.feedback;

/**
 * An SQS message that is not an SES event notification we can read. Its message is a short reason code of our
 * own ({@code not-json}, {@code not-ses-event}, …), never a piece of the input: the input holds addresses.
 */
public class MalformedFeedbackException extends RuntimeException {

    private final String reason;

    public MalformedFeedbackException(String reason) {
        super("malformed SES feedback: " + reason, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
