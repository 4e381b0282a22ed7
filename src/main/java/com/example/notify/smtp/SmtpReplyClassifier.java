package com.example.notify.smtp;

import com.example.notify.failure.HardBounceException;
import com.example.notify.failure.Masking;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * Decides whether an SMTP failure is worth retrying, from a table of reply-code prefixes kept as data
 * ({@code smtp-replies.csv} on the classpath, or the file named by {@code notify.smtp.reply-classes-file}):
 * the longest matching prefix wins. Failures without a reply code (connection refused, reset, timeout) are
 * transient. The result is a {@link MessagingException} (what camel-mail expects from a sender) whose cause
 * is a {@link PermanentFailureException} or {@link TransientFailureException}, which the error handling
 * matches on.
 */
public class SmtpReplyClassifier {

    private final List<Rule> rules;

    /**
     * One line of the table. {@code kind} CODE: {@code match} is a reply-code prefix ({@code 550}, {@code 5});
     * ENHANCED: an RFC 3463 enhanced status code prefix ({@code 5.1.1}, {@code 5.1.}); TEXT: a reply-code prefix
     * and a case-insensitive pattern found in the reply text ({@code 5~no such user}).
     */
    record Rule(Kind kind, String match, Pattern text, boolean permanent, String reason, boolean suppress) {

        Rule(String prefix, boolean permanent, String reason) {
            this(Kind.CODE, prefix, null, permanent, reason, false);
        }
    }

    enum Kind { CODE, ENHANCED, TEXT }

    /** An enhanced status code at the start of the reply text (after the reply code), e.g. {@code 5.1.1}. */
    private static final Pattern ENHANCED_CODE = Pattern.compile("^\\s*(?:[2-5][0-9]{2}[ -])?\\s*([245]\\.[0-9]{1,3}\\.[0-9]{1,3})\\b");

    public SmtpReplyClassifier() {
        this(null);
    }

    /** @param overrideFile a CSV file replacing the built-in table; null or blank for the built-in one */
    public SmtpReplyClassifier(String overrideFile) {
        try (InputStream in = overrideFile == null || overrideFile.isBlank()
                ? SmtpReplyClassifier.class.getResourceAsStream("/smtp-replies.csv")
                : Files.newInputStream(Path.of(overrideFile))) {
            rules = parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Rule> parse(InputStream in) throws IOException {
        List<Rule> parsed = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            parsed.add(parseLine(line));
        }
        // within a kind the longest match wins; text rules keep the table's order (stable sort, equal length 0)
        parsed.sort(Comparator.comparingInt((Rule r) -> r.kind() == Kind.TEXT ? 0 : r.match().length()).reversed());
        return parsed;
    }

    private static Rule parseLine(String line) {
        String[] cols = line.split("\\s*,\\s*");
        if (cols.length < 3 || cols.length > 4
                || !(cols[1].equals("permanent") || cols[1].equals("transient"))
                || !cols[2].matches("[a-z0-9]+(?:-[a-z0-9]+)*")
                || cols.length == 4 && !(cols[3].equals("suppress") && cols[1].equals("permanent"))) {
            throw new IllegalArgumentException("smtp reply table: bad line '" + line + "'");
        }
        boolean permanent = cols[1].equals("permanent");
        boolean suppress = cols.length == 4;
        String match = cols[0];
        int tilde = match.indexOf('~');
        if (tilde > 0 && match.substring(0, tilde).matches("[2-5][0-9]{0,2}") && tilde < match.length() - 1) {
            Pattern text;
            try {
                text = Pattern.compile(match.substring(tilde + 1), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("smtp reply table: bad pattern in line '" + line + "'");
            }
            return new Rule(Kind.TEXT, match.substring(0, tilde), text, permanent, cols[2], suppress);
        }
        if (match.matches("[245]\\.[0-9]{1,3}(?:\\.[0-9]{0,3})?|[245]\\.")) {
            return new Rule(Kind.ENHANCED, match, null, permanent, cols[2], suppress);
        }
        if (match.matches("[2-5][0-9]{0,2}")) {
            return new Rule(Kind.CODE, match, null, permanent, cols[2], suppress);
        }
        throw new IllegalArgumentException("smtp reply table: bad line '" + line + "'");
    }

    public MessagingException classify(Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotificationFailureException decided) {
                // decided before the relay was asked (e.g. no SMTPUTF8 for an internationalised address)
                return new MessagingException(decided.getMessage(), decided);
            }
        }
        Throwable reply = replyOf(failure);
        int code = replyCode(failure);
        String detail = Masking.maskAndTruncate(describe(failure), 500);
        NotificationFailureException classified;
        if (code <= 0) {
            // no reply code: connection refused/reset/timed out, or TLS could not be established
            String reason = detail.contains("STARTTLS") ? "smtp-starttls-unavailable" : "smtp-connection-failed";
            classified = new TransientFailureException(reason, detail, failure);
        } else {
            Rule rule = rule(code, reply == null || reply.getMessage() == null ? "" : reply.getMessage());
            String message = "SMTP " + code + ": " + detail;
            if (rule.permanent() && rule.suppress() && code >= 500 && aboutTheRecipient(reply)) {
                classified = new HardBounceException(rule.reason(), message, failure);
            } else {
                classified = rule.permanent()
                        ? new PermanentFailureException(rule.reason(), message, failure)
                        : new TransientFailureException(rule.reason(), message, failure);
            }
        }
        return new MessagingException(classified.getMessage(), classified);
    }

    /**
     * The rule for a reply: an enhanced status code rule (longest prefix) when the reply text starts with such a
     * code and one matches, else the first text rule whose code prefix and pattern match, else the longest
     * reply-code prefix. The enhanced code is the relay's own structured verdict; text rules catch relays that
     * send none (or a bare {@code 550}) and word the same thing their own way.
     */
    Rule rule(int code, String replyText) {
        String text = String.valueOf(code);
        String reply = replyText.strip();
        Matcher enhanced = ENHANCED_CODE.matcher(reply);
        boolean structured = false;
        if (enhanced.find()) {
            String status = enhanced.group(1);
            structured = status.charAt(0) == text.charAt(0);
            for (Rule r : rules) {
                // an enhanced code must agree with the reply's class (a 5.x.x in a 4xx reply is ignored)
                if (r.kind() == Kind.ENHANCED && status.charAt(0) == text.charAt(0)
                        && (status + ".").startsWith(r.match().endsWith(".") ? r.match() : r.match() + ".")) {
                    return r;
                }
            }
        }
        // bounded: at most the first 1000 characters of a reply are searched
        String bounded = reply.length() > 1000 ? reply.substring(0, 1000) : reply;
        // a reply with its own enhanced code that no rule names has said what it is (5.1.0 "sender address rejected:
        // user unknown in local recipient table", 5.7.1 policy): its words must not make it a hard bounce
        for (Rule r : rules) {
            if (!structured && r.kind() == Kind.TEXT && text.startsWith(r.match()) && r.text().matcher(bounded).find()) {
                return r;
            }
        }
        for (Rule r : rules) {
            if (r.kind() == Kind.CODE && text.startsWith(r.match())) {
                return r;
            }
        }
        return new Rule(text, code >= 500, code >= 500 ? "smtp-rejected" : "smtp-deferred");
    }

    private static final Pattern SENDER = Pattern.compile("\\bsender\\b", Pattern.CASE_INSENSITIVE);

    /**
     * Whether a reply refused the recipient, not the sender or the session: only then does a hard-bounce rule put
     * the recipient on the suppression list. MAIL FROM refused ({@link SMTPSenderFailedException}) or a reply that
     * speaks of the sender is a fault of our side (a From or relay setting) and would otherwise suppress every
     * recipient it met.
     */
    static boolean aboutTheRecipient(Throwable reply) {
        if (reply == null || reply instanceof SMTPSenderFailedException || reply instanceof AuthenticationFailedException) {
            return false;
        }
        String text = reply.getMessage() == null ? "" : reply.getMessage();
        return !SENDER.matcher(text.length() > 1000 ? text.substring(0, 1000) : text).find();
    }

    /** The exception carrying the relay's reply (the one {@link #replyCode} reads), or null. */
    static Throwable replyOf(Throwable failure) {
        for (Throwable t = failure; t != null; ) {
            if (t instanceof SMTPAddressFailedException || t instanceof SMTPSenderFailedException) {
                return t;
            }
            if (t instanceof SMTPSendFailedException e && e.getReturnCode() > 0) {
                Throwable nested = e.getNextException() == null ? null : replyOf(e.getNextException());
                return nested != null ? nested : e;
            }
            if (t instanceof AuthenticationFailedException) {
                return t;
            }
            Throwable next = t instanceof MessagingException m && m.getNextException() != null ? m.getNextException() : t.getCause();
            t = next == t ? null : next;
        }
        return null;
    }

    /** The SMTP reply code carried by the failure or one of the exceptions it chains, or -1. */
    static int replyCode(Throwable failure) {
        for (Throwable t = failure; t != null; ) {
            if (t instanceof SMTPAddressFailedException e) {
                return e.getReturnCode();
            }
            if (t instanceof SMTPSendFailedException e && e.getReturnCode() > 0) {
                // a send failure wraps the per-address failures: the first one names the real cause
                int nested = e.getNextException() == null ? -1 : replyCode(e.getNextException());
                return nested > 0 ? nested : e.getReturnCode();
            }
            if (t instanceof SMTPSenderFailedException e) {
                return e.getReturnCode();
            }
            if (t instanceof AuthenticationFailedException) {
                return 535;
            }
            Throwable next = t instanceof MessagingException m && m.getNextException() != null ? m.getNextException() : t.getCause();
            t = next == t ? null : next;
        }
        return -1;
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
    }
}
