package com.example.notify.ingest;

/** An ingest token sent an event outside its scope (source or type); the message is the reason code only. */
public class ScopeViolationException extends RuntimeException {

    public ScopeViolationException(String reason) {
        super(reason, null, false, false);
    }
}
