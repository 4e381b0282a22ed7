package com.example.notify.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.preview.NotificationPreview;
import com.example.notify.preview.PreviewPage;
import com.example.notify.preview.PreviewReport;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;

/**
 * bin/preview-event without a broker: the repo's configuration, templates and example contacts; the example
 * event's preview names what each channel would send, and a broken event is a report, not a crash.
 */
class PreviewEventTest {

    private static PreviewReport preview(String json) throws Exception {
        try (CamelContext context = PreviewEvent.context(Path.of("."), null, null)) {
            return context.getRegistry().lookupByNameAndType("notificationPreview", NotificationPreview.class)
                    .preview(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void theInvoiceExampleShowsTheEmailAndTheProspectUpsertForItsContact() throws Exception {
        PreviewReport report = preview(Files.readString(Path.of("examples/events/invoice-due.json")));
        assertThat(report.decisions).containsEntry("contact", "found");
        PreviewReport.Channel email = report.channels.get("email");
        assertThat(email.error).isNull();
        assertThat(email.mime).contains("Message-ID: <").contains("text/plain").contains("text/html")
                .contains("To: Max Mustermann <max.mustermann@example.com>");
        assertThat(email.decisions).containsEntry("provider", "smtp");
        PreviewReport.Channel pardot = report.channels.get("pardot");
        assertThat(pardot.url).endsWith("/api/v5/objects/prospects/do/upsertLatestByEmail");
        assertThat(pardot.prospect.path("lastName").asText()).isEqualTo("Mustermann");
        assertThat(PreviewPage.html(report)).contains("<iframe sandbox=\"\"").contains("srcdoc=\"&lt;!DOCTYPE html&gt;");
    }

    @Test
    void warningsNameAMissingParameterAndALongSubject() throws Exception {
        String event = """
                {"specversion":"1.0","id":"p-1","source":"/preview","type":"com.example.invoice.due","data":{
                  "recipient":{"email":"a@example.com"},"channels":["email","webhook"],"template":"invoice-due",
                  "params":{"currency":"EUR"}}}
                """;
        PreviewReport report = preview(event);
        assertThat(report.channels.get("email").warnings).anySatisfy(w -> assertThat(w).startsWith("missing parameter:").contains("amount"));
        assertThat(report.channels.get("webhook").error).startsWith("template-parameter-missing");

        String longSubject = event.replace("\"currency\":\"EUR\"", "\"amount\":\"" + "9".repeat(80) + "\"");
        assertThat(preview(longSubject).channels.get("email").warnings).anySatisfy(w -> assertThat(w).startsWith("subject over 78 characters"));
    }

    @Test
    void anInvalidEventIsReportedAsRefused() throws Exception {
        PreviewReport report = preview(Files.readString(Path.of("examples/events/malformed.json")));
        assertThat(report.decisions.get("validation")).startsWith("refused: ");
        assertThat(report.channels).isEmpty();
    }
}
