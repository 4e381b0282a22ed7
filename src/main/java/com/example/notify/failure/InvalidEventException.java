package com.example.notify.failure;

import java.util.List;

/** The record is not a notification event we accept; {@link #problems()} says which field and what is wrong. */
public class InvalidEventException extends PermanentFailureException {

    public static final String MALFORMED_JSON = "malformed-json";
    public static final String SCHEMA_VIOLATION = "schema-violation";
    public static final String PAYLOAD_TOO_LARGE = "payload-too-large";

    private final List<String> problems;

    public InvalidEventException(String reason, List<String> problems) {
        super(reason, reason + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
