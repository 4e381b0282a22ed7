package com.example.notify.pardot;

import com.example.notify.failure.Masking;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * Reads Pardot's answer to an upsert (the {@code post-pardot-upsert} route makes the call): pure functions of the
 * HTTP status and the JSON body, no state, no calls. Pardot reports limits in the body, not always as 429: code 66
 * (concurrency) and 202 (per-minute) are transient, 122 (daily limit) spends the quota for the day, 184 (like a
 * 401) is a rejected token; 429, 5xx and no answer are transient, other 4xx permanent with code and masked message.
 */
public class PardotAnswers {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** 401 or code 184: the token was rejected (the route drops it and calls once more with a fresh one). */
    public boolean tokenRejected(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        return status(status) == 401 || json(body).path("code").asInt(0) == 184;
    }

    /** Code 122: the business unit's daily quota is spent (the route tells the quota before it classifies). */
    public boolean dailyLimit(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        return json(body).path("code").asInt(0) == 122;
    }

    /** The prospect's Pardot id of a 2xx answer; any other answer throws its failure ({@link #failure}). */
    public String prospectId(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        int http = status(status);
        JsonNode json = json(body);
        if (http >= 200 && http < 300) {
            return json.path("id").asText(null);
        }
        throw failure(http, json.path("code").asInt(0), json.path("message").asText(""));
    }

    /** The failure of a non-2xx answer; its text has status, code and the masked, truncated message. */
    static NotificationFailureException failure(int status, int code, String message) {
        String text = "Pardot HTTP " + status + (code != 0 ? " code " + code : "") + ": " + Masking.maskAndTruncate(message, 300);
        if (code == 122) {
            return new PardotDailyLimitException(text);
        }
        if (code == 66) {
            return new TransientFailureException("pardot-concurrency-limit", text, null);
        }
        if (code == 202) {
            return new TransientFailureException("pardot-rate-limit", text, null);
        }
        if (status == 401 || code == 184) {
            return new TransientFailureException("pardot-token-rejected", text, null);
        }
        if (status == 429 || status >= 500 || status == 0) {
            return new TransientFailureException("pardot-unavailable", text, null);
        }
        return new PermanentFailureException("pardot-rejected", text);
    }

    private static int status(Integer status) {
        return status == null ? 0 : status;
    }

    private static JsonNode json(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : MAPPER.readTree(body);
            return node == null ? MAPPER.createObjectNode() : node;
        } catch (Exception e) {
            return MAPPER.createObjectNode();
        }
    }
}
