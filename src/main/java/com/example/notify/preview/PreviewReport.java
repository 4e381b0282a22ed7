package com.example.notify.preview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link NotificationPreview} found: the event's decisions, and per channel what would go out. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PreviewReport {

    public final Map<String, String> decisions = new LinkedHashMap<>();
    public final Map<String, Channel> channels = new LinkedHashMap<>();

    void decision(String what, String outcome) {
        decisions.put(what, outcome);
    }

    /** One channel: the decisions, the warnings, and either what goes out or the error delivery would fail with. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public static class Channel {
        public final Map<String, String> decisions = new LinkedHashMap<>();
        public final List<String> warnings = new ArrayList<>();
        public String error;
        /** email: the whole message as it is handed to the provider (headers, text and HTML parts). */
        public String mime;
        public String subject;
        public String text;
        public String html;
        /** pardot, webhook: the request. */
        public String method;
        public String url;
        public final Map<String, String> headers = new LinkedHashMap<>();
        public String body;
        public JsonNode prospect;
    }
}
