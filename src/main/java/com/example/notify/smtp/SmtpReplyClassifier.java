package com.example.notify.smtp;

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

    record Rule(String prefix, boolean permanent, String reason) {
    }

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
            String[] cols = line.split("\\s*,\\s*");
            if (cols.length != 3 || !cols[0].matches("[2-5][0-9]{0,2}")
                    || !(cols[1].equals("permanent") || cols[1].equals("transient"))) {
                throw new IllegalArgumentException("smtp reply table: bad line '" + line + "'");
            }
            parsed.add(new Rule(cols[0], cols[1].equals("permanent"), cols[2]));
        }
        parsed.sort(Comparator.comparingInt((Rule r) -> r.prefix().length()).reversed());
        return parsed;
    }

    public MessagingException classify(Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotificationFailureException decided) {
                // decided before the relay was asked (e.g. no SMTPUTF8 for an internationalised address)
                return new MessagingException(decided.getMessage(), decided);
            }
        }
        int code = replyCode(failure);
        String detail = Masking.maskAndTruncate(describe(failure), 500);
        NotificationFailureException classified;
        if (code <= 0) {
            // no reply code: connection refused/reset/timed out, or TLS could not be established
            String reason = detail.contains("STARTTLS") ? "smtp-starttls-unavailable" : "smtp-connection-failed";
            classified = new TransientFailureException(reason, detail, failure);
        } else {
            String text = String.valueOf(code);
            Rule rule = rules.stream().filter(r -> text.startsWith(r.prefix())).findFirst()
                    .orElse(new Rule(text, code >= 500, code >= 500 ? "smtp-rejected" : "smtp-deferred"));
            String message = "SMTP " + code + ": " + detail;
            classified = rule.permanent()
                    ? new PermanentFailureException(rule.reason(), message, failure)
                    : new TransientFailureException(rule.reason(), message, failure);
        }
        return new MessagingException(classified.getMessage(), classified);
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
