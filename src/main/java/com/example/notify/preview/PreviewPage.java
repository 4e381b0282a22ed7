package com.example.notify.preview;

import java.util.Map;

/**
 * The preview as an HTML page: decisions and warnings, then per channel what goes out. The email's HTML part is
 * shown as the recipient's client would, inside a sandboxed iframe (no scripts, no same-origin access), so a
 * template's markup cannot reach the admin page; everything else is escaped text.
 */
public final class PreviewPage {

    private PreviewPage() {
    }

    public static String html(PreviewReport report) {
        StringBuilder page = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Notification preview</title>"
                + "<style>body{font-family:sans-serif;margin:1em}iframe{width:100%;height:480px;border:1px solid #999}"
                + "pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}.warn{color:#a40}</style></head><body>"
                + "<h1>Notification preview</h1>");
        table(page, report.decisions);
        report.channels.forEach((name, channel) -> {
            page.append("<h2>").append(escape(name)).append("</h2>");
            table(page, channel.decisions);
            channel.warnings.forEach(w -> page.append("<p class=\"warn\">warning: ").append(escape(w)).append("</p>"));
            if (channel.error != null) {
                page.append("<p class=\"warn\">would fail: ").append(escape(channel.error)).append("</p>");
            }
            if (channel.subject != null) {
                page.append("<p>Subject: <b>").append(escape(channel.subject)).append("</b></p>");
            }
            if (channel.html != null) {
                page.append("<iframe sandbox=\"\" title=\"HTML part\" srcdoc=\"").append(escape(channel.html)).append("\"></iframe>");
            }
            if (channel.text != null) {
                page.append("<h3>Text part</h3><pre>").append(escape(channel.text)).append("</pre>");
            }
            if (channel.url != null) {
                page.append("<p>").append(escape(channel.method)).append(' ').append(escape(channel.url)).append("</p>");
                table(page, channel.headers);
                page.append("<pre>").append(escape(channel.body)).append("</pre>");
            }
            if (channel.mime != null) {
                page.append("<details><summary>MIME</summary><pre>").append(escape(channel.mime)).append("</pre></details>");
            }
        });
        return page.append("</body></html>").toString();
    }

    private static void table(StringBuilder page, Map<String, String> rows) {
        page.append("<table>");
        rows.forEach((k, v) -> page.append("<tr><th align=\"left\">").append(escape(k)).append("</th><td>")
                .append(escape(v)).append("</td></tr>"));
        page.append("</table>");
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
