package com.example.notify.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The template checks of bin/validate-routes on the repo's templates and examples (clean) and on broken copies:
 * a parameter an example event lacks, a parameter no event can satisfy, a locale variant that breaks and a webhook
 * body that is not JSON are each reported with the file they are in.
 */
class TemplateChecksTest {

    Path copy;

    @BeforeEach
    void copyTemplatesAndExamples() throws Exception {
        copy = Files.createTempDirectory("template-checks");
        for (String folder : List.of("templates", "examples/events")) {
            try (Stream<Path> files = Files.walk(Path.of(folder))) {
                for (Path f : files.toList()) {
                    Path target = copy.resolve(f.toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                }
            }
        }
    }

    private List<String> problems() throws Exception {
        return new TemplateChecks(copy.resolve("templates"), "en").check(copy.resolve("examples/events"));
    }

    private void write(String file, String content) throws Exception {
        Files.writeString(copy.resolve("templates").resolve(file), content);
    }

    @Test
    void theReposTemplatesRenderInEveryLocaleAgainstTheExamplesAndAGeneratedEvent() throws Exception {
        assertThat(new TemplateChecks(Path.of("templates"), "en").check(Path.of("examples/events"))).isEmpty();
        assertThat(ValidateRoutes.run(Path.of("."))).isEmpty();
    }

    @Test
    void aParameterTheExampleEventLacksIsReportedForEachLocaleFileThatNeedsIt() throws Exception {
        write("invoice-due/text_de.ftl", "Hallo ${recipient.name!\"\"}, ${amount} ${orderNumber}\n");
        assertThat(problems()).anySatisfy(p -> assertThat(p)
                .contains("templates/invoice-due/text_de.ftl: locale de, examples/events/invoice-due.json")
                .contains("needs parameter 'orderNumber'"));
        assertThat(problems()).as("the generated event has every parameter, so it renders")
                .noneMatch(p -> p.contains("generated event"));
        assertThat(problems()).as("the default locale's text does not use it").noneMatch(p -> p.contains("/text.ftl: "));
    }

    @Test
    void theGeneratedEventHoldsEveryParameterThePartsUse() {
        Map<String, Object> model = new TemplateChecks(Path.of("templates"), "en").generatedModel("invoice-due", "de");
        assertThat(model).containsKeys("amount", "recipient", "event");
        assertThat(model).doesNotContainKey("orderNumber");
    }

    @Test
    void aBrokenTemplateAndAWebhookBodyThatIsNotJsonAreProblems() throws Exception {
        write("welcome/subject.ftl", "Welcome <#if>");
        write("invoice-due/webhook_de.ftl", "{\"text\": \"${amount}\"");
        List<String> problems = problems();
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("templates/welcome/subject.ftl: locale default, a generated event")
                .contains("Syntax error"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("templates/invoice-due/webhook_de.ftl: locale de")
                .contains("does not render valid JSON"));
    }

    @Test
    void sampleValuesGoAtDottedNamesButNotIntoExpressions() {
        Map<String, Object> model = new java.util.LinkedHashMap<>();
        assertThat(TemplateChecks.addSample(model, "order.total")).isTrue();
        assertThat(model).containsEntry("order", Map.of("total", "sample-total"));
        assertThat(TemplateChecks.addSample(model, "order.total")).as("already there: no progress").isFalse();
        assertThat(TemplateChecks.addSample(model, "x?upper_case")).isFalse();
    }
}
