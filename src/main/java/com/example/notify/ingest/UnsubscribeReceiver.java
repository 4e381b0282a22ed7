package com.example.notify.ingest;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.preferences.SuppressionList;
import com.example.notify.preferences.UnsubscribeTokens;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The HTTP side of RFC 8058 one-click unsubscribe (routes/receive-unsubscribes.camel.yaml): reads the token from
 * the path, checks the tiny form body, and turns a valid token into the list-scoped suppression record the
 * suppression feed applies. Nothing here echoes the token or quotes the request: the token is a capability.
 */
public class UnsubscribeReceiver {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private UnsubscribeTokens tokens;
    private int maxBodyBytes = 512;

    /** A body larger than the one-click form needs (by Content-Length, or as read when chunked): 413. */
    public boolean oversized(Exchange exchange) {
        Message in = exchange.getMessage();
        Long declared = in.getHeader(Exchange.CONTENT_LENGTH, Long.class);
        if (declared != null && declared > maxBodyBytes) {
            return true;
        }
        Object body = in.getBody();
        if (body instanceof byte[] bytes) {
            return bytes.length > maxBodyBytes;
        }
        if (body instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes;
        }
        return false;
    }

    /**
     * Verifies the path's token (header {@code token}); sets {@value ExchangeProperties#UNSUBSCRIBE_KEY} and {@value ExchangeProperties#UNSUBSCRIBE_LIST}. A rejected
     * token throws {@link UnsubscribeTokens.RejectedTokenException}, whose message holds a fixed reason only.
     */
    public void verify(Exchange exchange) {
        String token = exchange.getMessage().getHeader("token", String.class);
        UnsubscribeTokens.Claims claims = tokens.verify(token);
        exchange.setProperty(ExchangeProperties.UNSUBSCRIBE_KEY, SuppressionList.listKey(claims.addressHash(), claims.list()));
        exchange.setProperty(ExchangeProperties.UNSUBSCRIBE_LIST, claims.list());
    }

    /**
     * True when the POST says {@code List-Unsubscribe=One-Click} (RFC 8058 §3.1): urlencoded or multipart, whether
     * the HTTP layer parsed the form into a map and headers or left the raw body.
     */
    public boolean oneClick(Exchange exchange) {
        Message in = exchange.getMessage();
        if ("One-Click".equals(in.getHeader("List-Unsubscribe", String.class))) {
            return true;
        }
        Object body = in.getBody();
        if (body instanceof Map<?, ?> form) {
            Object value = form.get("List-Unsubscribe");
            return value != null && "One-Click".equals(String.valueOf(value).strip());
        }
        String text = in.getBody(String.class);
        if (text == null) {
            return false;
        }
        return text.strip().equals("List-Unsubscribe=One-Click")
                || text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click");
    }

    public boolean notOneClick(Exchange exchange) {
        return !oneClick(exchange);
    }

    /** The suppressions topic's value for a list-scoped unsubscribe. */
    public String record(Exchange exchange) {
        ObjectNode value = MAPPER.createObjectNode();
        value.put("reason", "unsubscribe");
        value.put("list", exchange.getProperty(ExchangeProperties.UNSUBSCRIBE_LIST, String.class));
        value.put("source", "one-click");
        return value.toString();
    }

    /**
     * The page a person sees who opens the link (GET): a button that POSTs the one-click form to the same URL. A
     * GET never unsubscribes: link scanners and prefetchers open links nobody clicked.
     */
    public String confirmationPage() {
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <meta name="robots" content="noindex"><title>Unsubscribe</title></head>
                <body><h1>Unsubscribe</h1>
                <p>Stop receiving these emails? Other lists and account messages are not affected.</p>
                <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">Unsubscribe</button></form></body></html>
                """;
    }

    public String donePage() {
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Unsubscribed</title></head>
                <body><h1>You are unsubscribed</h1><p>You will not receive these emails any more.</p></body></html>
                """;
    }

    public void setTokens(UnsubscribeTokens tokens) {
        this.tokens = tokens;
    }

    public void setMaxBodyBytes(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }
}
