package com.example.notify.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.notify.failure.HardBounceException;
import com.example.notify.failure.NotificationFailureException;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import jakarta.mail.internet.InternetAddress;
import java.io.ByteArrayInputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-in reply table: reply codes, enhanced status codes and reply texts, and which ones suppress. */
class SmtpReplyClassifierTest {

    private final SmtpReplyClassifier classifier = new SmtpReplyClassifier();

    private NotificationFailureException rcptRejected(int code, String text) throws Exception {
        var failure = new SMTPAddressFailedException(new InternetAddress("someone@example.com"), "RCPT TO", code,
                code + " " + text);
        return (NotificationFailureException) classifier.classify(failure).getCause();
    }

    private NotificationFailureException dataRejected(int code, String text) {
        var failure = new SMTPSendFailedException("DATA", code, code + " " + text + "\n", null, null, null, null);
        return (NotificationFailureException) classifier.classify(failure).getCause();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "550|5.1.1 <someone@example.com>: Recipient address rejected: User unknown in virtual mailbox table|smtp-recipient-unknown",
        "550|5.1.1 The email account that you tried to reach does not exist.|smtp-recipient-unknown",
        "550|5.2.1 The email account that you tried to reach is disabled.|smtp-recipient-disabled",
        "550|5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup|smtp-recipient-null-mx",
        "550|Requested action not taken: mailbox unavailable (user unknown)|smtp-recipient-unknown",
        "550|No Such User Here|smtp-recipient-unknown",
        "551|User not local; mailbox does not exist|smtp-recipient-unknown",
        "553|sorry, mailbox name not allowed (#5.7.1)|smtp-recipient-invalid",
        "554|delivery error: dd This user doesn't have a yahoo.com account|smtp-transaction-failed",
    })
    void recipientRejectionsAreClassifiedByEnhancedCodeOrText(int code, String text, String reason) throws Exception {
        NotificationFailureException rcpt = rcptRejected(code, text);
        NotificationFailureException data = dataRejected(code, text);
        assertThat(rcpt.reason()).isEqualTo(reason);
        assertThat(data.reason()).isEqualTo(reason);
        assertThat(rcpt).isInstanceOf(PermanentFailureException.class);
        assertThat(rcpt.getMessage()).doesNotContain("someone@example.com");
    }

    @Test
    void hardBouncesSuppressOtherPermanentRejectionsDoNot() throws Exception {
        assertThat(rcptRejected(550, "5.1.1 user unknown")).isInstanceOf(HardBounceException.class);
        assertThat(rcptRejected(550, "user unknown")).isInstanceOf(HardBounceException.class);
        assertThat(rcptRejected(553, "5.1.3 bad address syntax")).isInstanceOf(HardBounceException.class);
        // a policy or content refusal says nothing about the mailbox: dead-lettered as before, not suppressed
        NotificationFailureException policy = rcptRejected(550, "5.7.1 Message rejected as spam");
        assertThat(policy).isNotInstanceOf(HardBounceException.class).isInstanceOf(PermanentFailureException.class);
        assertThat(policy.reason()).isEqualTo("smtp-recipient-rejected");
        assertThat(rcptRejected(552, "5.2.2 mailbox full")).isNotInstanceOf(HardBounceException.class);
        assertThat(rcptRejected(550, "mailbox unavailable").reason()).isEqualTo("smtp-recipient-rejected");
    }

    @Test
    void aRefusedSenderOrAnUnlistedEnhancedCodeNeverSuppressesTheRecipient() throws Exception {
        // Postfix reject_unlisted_sender, answered at RCPT: the words say "user unknown", the code says sender (5.1.0)
        NotificationFailureException unlistedSender = rcptRejected(550,
                "5.1.0 <noreply@example.com>: Sender address rejected: User unknown in local recipient table");
        assertThat(unlistedSender).isNotInstanceOf(HardBounceException.class).isInstanceOf(PermanentFailureException.class);
        // no enhanced code, but the reply is about the sender
        assertThat(rcptRejected(550, "Sender address rejected: user unknown")).isNotInstanceOf(HardBounceException.class);
        // MAIL FROM refused: our From or relay setting, whatever the words
        var senderFailed = new org.eclipse.angus.mail.smtp.SMTPSenderFailedException(new InternetAddress("noreply@example.com"),
                "MAIL FROM", 550, "550 5.1.1 user unknown");
        assertThat(classifier.classify(senderFailed).getCause()).isNotInstanceOf(HardBounceException.class)
                .isInstanceOf(PermanentFailureException.class);
        // a policy refusal with its own enhanced code keeps it, even worded like a bounce
        assertThat(rcptRejected(550, "5.7.1 no such user here for you")).isNotInstanceOf(HardBounceException.class);
    }

    @Test
    void temporaryRepliesNeverSuppressEvenWhenWordedLikeABounce() throws Exception {
        NotificationFailureException deferred = rcptRejected(450, "4.1.1 user unknown (try again later)");
        assertThat(deferred).isInstanceOf(TransientFailureException.class);
        assertThat(deferred.reason()).isEqualTo("smtp-mailbox-busy");
        // an enhanced code of the wrong class is ignored: the reply code decides
        assertThat(rcptRejected(451, "5.1.1 odd relay")).isInstanceOf(TransientFailureException.class);
    }

    @Test
    void existingReplyCodeRulesAreUnchanged() throws Exception {
        assertThat(rcptRejected(550, "rejected").reason()).isEqualTo("smtp-recipient-rejected");
        assertThat(rcptRejected(552, "too big").reason()).isEqualTo("smtp-message-too-large");
        assertThat(rcptRejected(421, "closing").reason()).isEqualTo("smtp-service-unavailable");
        assertThat(rcptRejected(599, "whatever").reason()).isEqualTo("smtp-rejected");
        var refused = classifier.classify(new jakarta.mail.MessagingException("connect", new ConnectException("refused")));
        assertThat(((NotificationFailureException) refused.getCause()).reason()).isEqualTo("smtp-connection-failed");
    }

    @Test
    void enhancedCodeRuleWinsOverTextRuleAndLongestEnhancedPrefixWins() throws Exception {
        var rules = SmtpReplyClassifier.parse(new ByteArrayInputStream("""
                5.1.,permanent,any-5-1,suppress
                5.1.2,permanent,bad-domain
                5~greylisted,transient,grey
                55,permanent,fifty-five
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(rules).hasSize(4);
        assertThatThrownBy(() -> SmtpReplyClassifier.parse(new ByteArrayInputStream(
                "4,transient,soft,suppress\n".getBytes(StandardCharsets.UTF_8))))
                .as("suppress is for permanent rules").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReplyClassifier.parse(new ByteArrayInputStream(
                "5~(unclosed,permanent,x\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad");
        assertThat(classifier.rule(550, "5.1.1 no such user").reason()).isEqualTo("smtp-recipient-unknown");
        assertThat(classifier.rule(550, "5.1.10 recipient not found").reason()).isEqualTo("smtp-recipient-null-mx");
        assertThat(classifier.rule(550, "550 5.1.1 no such user").suppress()).isTrue();
    }
}
