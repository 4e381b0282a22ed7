package com.example.notify.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Rejects control characters before the JSON Schema runs, in one pass over the event. Java's {@code $}
 * matches before a final line terminator ({@code \n}, {@code \r}, U+0085, U+2028, U+2029), so a {@code $}-anchored
 * schema pattern would accept {@code "type\n"}; attributes and recipient fields end up in Kafka headers, mail
 * headers, file names, metric labels and log lines, where a line break is an injection.
 *
 * <p>Strict everywhere (every attribute, every object key, recipient, channels, template, locale, priority):
 * no C0 or C1 control, DEL, U+2028 or U+2029. {@code data.params} values and other free {@code data} values
 * are text for templates and may hold tab, LF and CR; nothing else of the above.
 */
final class ControlCharacters {

    /** At most this many problems are reported: a hostile event could otherwise make the list huge. */
    static final int MAX_PROBLEMS = 20;

    private ControlCharacters() {
    }

    static List<String> problems(JsonNode envelope) {
        List<String> problems = new ArrayList<>();
        walk(envelope, "$", true, problems);
        return problems;
    }

    private static void walk(JsonNode node, String path, boolean strict, List<String> problems) {
        if (problems.size() >= MAX_PROBLEMS) {
            return;
        }
        if (node.isTextual()) {
            check(node.textValue(), path, strict, problems);
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                // keys are never free text; the path shows a key only when it is clean
                String key = field.getKey();
                boolean cleanKey = !key.isEmpty() && firstBad(key, true) < 0;
                String child = path + "." + (cleanKey ? key : "<key>");
                if (!cleanKey) {
                    // an empty name also breaks the schema library's JSON paths (found by HostileInputPropertiesTest)
                    problems.add(child + ": property name is empty or contains a control character or line separator");
                }
                walk(field.getValue(), child, strict && !isFreeText(child), problems);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", strict, problems);
            }
        }
    }

    /** Template parameters and other data beyond the typed parts are free text (multi-line allowed). */
    private static boolean isFreeText(String path) {
        if (!path.startsWith("$.data.")) {
            return false;
        }
        return !(path.equals("$.data.recipient") || path.startsWith("$.data.recipient.")
                || path.equals("$.data.channels") || path.equals("$.data.template")
                || path.equals("$.data.locale") || path.equals("$.data.priority") || path.equals("$.data.params"));
    }

    private static void check(String value, String path, boolean strict, List<String> problems) {
        int bad = firstBad(value, strict);
        if (bad >= 0) {
            // the position and code point, never the value (it may be an address)
            problems.add(path + ": contains control character U+%04X at position %d".formatted((int) value.charAt(bad), bad));
        }
    }

    static int firstBad(String value, boolean strict) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (control && (strict || !(c == '\t' || c == '\n' || c == '\r'))) {
                return i;
            }
        }
        return -1;
    }
}
