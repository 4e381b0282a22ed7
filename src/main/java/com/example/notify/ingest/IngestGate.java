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
    private volatile List<Grant> grants = List.of();
    private volatile boolean allowUnscopedTokens;

    /**
     * What one token may send: the CloudEvents sources (and, optionally, types) it is scoped to, as globs
     * ({@code *} = any run of characters); an empty list allows any (for sources only with
     * {@code notify.ingest.allow-unscoped-tokens=true}). Never printed with its token.
     */
    public record Scope(List<String> sources, List<String> types) {

        static final Scope ANY = new Scope(List.of(), List.of());

        /** No sources listed: the token could send any source's events. */
        public boolean unscoped() {
            return sources.isEmpty();
        }

        /** Null when the event is within the scope, else the reason ({@code source-not-allowed}, {@code type-not-allowed}). */
        public String violation(NotificationEvent event) {
            if (!sources.isEmpty() && sources.stream().noneMatch(p -> glob(p, event.getSource()))) {
                return "source-not-allowed";
            }
            if (!types.isEmpty() && types.stream().noneMatch(p -> glob(p, event.getType()))) {
                return "type-not-allowed";
            }
            return null;
        }

        @Override
        public String toString() {
            return "Scope[sources=" + sources + ", types=" + types + "]";
        }
    }

    private record Grant(byte[] token, Scope scope) {
    }

    /**
     * Comma-separated entries {@code token} (any source and type; refused unless
     * {@code notify.ingest.allow-unscoped-tokens=true}) or {@code token:sources[;types]}, sources and
     * types {@code |}-separated globs, e.g. {@code t0k3n:/billing|urn:acme:billing:*;com.example.invoice.*}. The token
     * ends at the first {@code :} (tokens contain neither {@code :} nor {@code ,}); sources are URI references and may
     * contain {@code :} themselves, hence {@code ;} before the types. The earlier form {@code token:sources:types} is
     * still read when what follows the token has exactly one {@code :} and does not start with a URI scheme.
     */
    public void setTokens(String csv) {
        List<Grant> parsed = new java.util.ArrayList<>();
        for (String entry : csv == null ? new String[0] : csv.split(",")) {
            String trimmed = entry.strip();
            int colon = trimmed.indexOf(':');
            String token = colon < 0 ? trimmed : trimmed.substring(0, colon);
            if (token.isEmpty()) {
                continue;
            }
            Scope scope = colon < 0 ? Scope.ANY : parseScope(trimmed.substring(colon + 1));
            parsed.add(new Grant(token.getBytes(StandardCharsets.UTF_8), scope));
        }
        this.grants = List.copyOf(parsed);
    }

    private static final java.util.regex.Pattern URI_SCHEME = java.util.regex.Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    /** {@code sources[;types]}, or the earlier {@code sources:types} (one colon, no URI scheme before it). */
    static Scope parseScope(String grant) {
        int semicolon = grant.indexOf(';');
        if (semicolon >= 0) {
            return new Scope(patterns(grant.substring(0, semicolon)), patterns(grant.substring(semicolon + 1)));
        }
        int colon = grant.indexOf(':');
        if (colon >= 0 && colon == grant.lastIndexOf(':') && !URI_SCHEME.matcher(grant).find()) {
            return new Scope(patterns(grant.substring(0, colon)), patterns(grant.substring(colon + 1)));
        }
        return new Scope(patterns(grant), List.of());
    }

    /**
     * Whether a token without sources is allowed (property {@code notify.ingest.allow-unscoped-tokens}, default
     * false): such a token can send any source's ids and any type, opt-out-exempt ones included.
     */
    public void setAllowUnscopedTokens(boolean allowUnscopedTokens) {
        this.allowUnscopedTokens = allowUnscopedTokens;
    }

    /**
     * Startup check (the bean's initMethod, after every property is set): refuses to start with a token that lists
     * no sources unless explicitly allowed. Counts them; never prints a token.
     */
    public void check() {
        long unscoped = grants.stream().filter(g -> g.scope().unscoped()).count();
        if (unscoped > 0 && !allowUnscopedTokens) {
            throw new IllegalStateException("notify.ingest.tokens has " + unscoped + " token(s) without sources: scope each"
                    + " as token:sources[:types] or set notify.ingest.allow-unscoped-tokens=true");
        }
    }

    private static List<String> patterns(String list) {
        return Arrays.stream(list.split("\\|")).map(String::strip).filter(p -> !p.isEmpty()).toList();
    }

    /** True unless the Authorization header carries one of the configured tokens. */
    public boolean denied(@Header("Authorization") String authorization) {
        return scope(authorization) == null;
    }

    boolean authorized(String authorization) {
        return scope(authorization) != null;
    }

    /** The scope of the presented token, or null when it is none of the configured ones (constant-time compare). */
    public Scope scope(@Header("Authorization") String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        byte[] presented = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        Scope found = null;
        for (Grant grant : grants) {
            if (MessageDigest.isEqual(grant.token(), presented)) {
                found = grant.scope();
            }
        }
        return found;
    }

    /** Throws when the event is outside the token's scope: a producer cannot send another service's events. */
    public void requireInScope(Scope scope, NotificationEvent event) {
        // also refused here, should the startup check ever be skipped (a bean built without its initMethod)
        String violation = scope == null ? "source-not-allowed"
                : scope.unscoped() && !allowUnscopedTokens ? "token-not-scoped" : scope.violation(event);
        if (violation != null) {
            throw new ScopeViolationException(violation);
        }
    }

    public String forbidden(ScopeViolationException violation) {
        return mapper.createObjectNode().put("status", "forbidden").put("reason", violation.getMessage()).toString();
    }

    /** Glob match without regular expressions: {@code *} matches any run, the rest literally (operator patterns and sources are short). */
    static boolean glob(String pattern, String value) {
        if (value == null) {
            return false;
        }
        int p = 0;
        int v = 0;
        int star = -1;
        int mark = 0;
        while (v < value.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == value.charAt(v)) {
                p++;
                v++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = v;
            } else if (star >= 0) {
                p = star + 1;
                v = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
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
