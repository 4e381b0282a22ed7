package com.example.notify.contract;

/**
 * The names of the channels the bundle's own code knows by name. Which channels run is configuration, not
 * code: {@code notify.channels} (application.properties) is the one list, read by the routes and the beans
 * that need it; these constants are only for the code that does something particular for one channel.
 */
public final class Channels {

    public static final String EMAIL = "email";
    public static final String PARDOT = "pardot";
    public static final String WEBHOOK = "webhook";

    private Channels() {
    }
}
