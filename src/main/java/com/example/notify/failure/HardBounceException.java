package com.example.notify.failure;

/**
 * The relay refused the recipient for good (no such mailbox, disabled account, bad domain): a permanent failure
 * whose reply-table rule says {@code suppress}. The channel error handling records the address on the
 * suppression list (reason {@code hard-bounce}) and ends the delivery with status {@code bounced} instead of a
 * dead letter: replaying it could only bounce again.
 */
public class HardBounceException extends PermanentFailureException {

    public HardBounceException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
