package com.example.notify.ingest;

import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.InvalidEventException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.Header;

/**
 * What the HTTP ingest (routes/ingest-http.camel.yaml) decides in Java: whether the caller's bearer token is
 * one of the configured ones (compared in constant time; none configured lets nobody in), and the JSON
 * answers. Tokens come from the secret {@code notify.ingest.tokens}; several allow rotation.
 */
public class IngestGate {

    private static final String BEARER = "Bearer ";
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile List<byte[]> tokens = List.of();

    public void setTokens(String csv) {
        this.tokens = Arrays.stream(csv == null ? new String[0] : csv.split(","))
                .map(String::strip).filter(t -> !t.isEmpty()).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** True unless the Authorization header carries one of the configured tokens. */
    public boolean denied(@Header("Authorization") String authorization) {
        return !authorized(authorization);
    }

    boolean authorized(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] token : tokens) {
            match |= MessageDigest.isEqual(token, presented);
        }
        return match;
    }

    /** The record key producers use: the recipient's contact id (ordering per recipient), else none. */
    public String key(NotificationEvent event) {
        return event.getRecipient() == null ? null : event.getRecipient().getContactId();
    }

    public String accepted(NotificationEvent event) {
        ObjectNode body = mapper.createObjectNode().put("status", "accepted").put("id", event.getId())
                .put("source", event.getSource());
        return body.toString();
    }

    public String rejected(InvalidEventException invalid) {
        ObjectNode body = mapper.createObjectNode().put("status", "rejected").put("reason", invalid.reason());
        invalid.problems().forEach(body.putArray("problems")::add);
        return body.toString();
    }
}
