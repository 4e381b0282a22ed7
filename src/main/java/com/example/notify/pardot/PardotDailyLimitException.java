package com.example.notify.pardot;

import com.example.notify.failure.TransientFailureException;

/** The business unit's daily API quota is spent (Pardot code 122, or our own count): wait for the reset. */
public class PardotDailyLimitException extends TransientFailureException {

    public static final String REASON = "pardot-daily-limit";

    public PardotDailyLimitException(String message) {
        super(REASON, message, null);
    }
}
