package com.example.notify.failure;

/** Thrown by the channel router (routes/route-by-channel.camel.yaml) for a channel no route serves. */
public class UnknownChannelException extends PermanentFailureException {

    public UnknownChannelException(String message) {
        super("unknown-channel", message);
    }
}
