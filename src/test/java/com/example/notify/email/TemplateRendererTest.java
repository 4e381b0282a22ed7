package com.example.notify.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.example.notify.failure.PermanentFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateRendererTest {

    @TempDir
    Path dir;

    private TemplateRenderer renderer() throws Exception {
        Path t = Files.createDirectories(dir.resolve("notice"));
        Files.writeString(t.resolve("subject.ftl"), "Notice: ${title}");
        Files.writeString(t.resolve("subject_de.ftl"), "Hinweis: ${title}");
        Files.writeString(t.resolve("subject_de_AT.ftl"), "Servus: ${title}");
        Files.writeString(t.resolve("text.ftl"), "Text ${title}");
        Files.writeString(t.resolve("html.ftlh"), "<p>${title}</p>");
        TemplateRenderer renderer = new TemplateRenderer();
        renderer.setDirectory(dir.toString());
        return renderer;
    }

    @Test
    void localeFallsBackFromRegionToLanguageToDefault() throws Exception {
        TemplateRenderer renderer = renderer();
        assertThat(renderer.render("notice", "de-AT", Map.of("title", "x")).subject()).isEqualTo("Servus: x");
        assertThat(renderer.render("notice", "de-CH", Map.of("title", "x")).subject()).isEqualTo("Hinweis: x");
        assertThat(renderer.render("notice", "fr", Map.of("title", "x")).subject()).isEqualTo("Notice: x");
        assertThat(renderer.render("notice", null, Map.of("title", "x")).subject()).isEqualTo("Notice: x");
    }

    @Test
    void htmlIsEscapedTextIsNotAndSubjectCannotGrowHeaderLines() throws Exception {
        RenderedEmail email = renderer().render("notice", "en", Map.of("title", "<a href=x>&</a>\r\nBcc: x@example.com"));
        assertThat(email.html()).isEqualTo("<p>&lt;a href=x&gt;&amp;&lt;/a&gt;\r\nBcc: x@example.com</p>");
        assertThat(email.text()).contains("<a href=x>&</a>");
        assertThat(email.subject()).doesNotContain("\r").doesNotContain("\n");
    }

    @Test
    void missingParameterAndMissingTemplateAreNamed() throws Exception {
        TemplateRenderer renderer = renderer();
        PermanentFailureException missing = catchThrowableOfType(PermanentFailureException.class,
                () -> renderer.render("notice", "en", Map.of()));
        assertThat(missing.reason()).isEqualTo("template-parameter-missing");
        assertThat(missing.getMessage()).contains("title");
        assertThat(catchThrowableOfType(PermanentFailureException.class,
                () -> renderer.render("nope", "en", Map.of())).reason()).isEqualTo("template-not-found");
    }

    @Test
    void htmlPartIsOptional() throws Exception {
        TemplateRenderer renderer = renderer();
        Files.delete(dir.resolve("notice/html.ftlh"));
        assertThat(renderer.render("notice", "en", Map.of("title", "x")).html()).isNull();
    }
}
