package com.example.notify.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Email templates for route tests: the subject is the event id, so a test can tell which event a message is. */
public final class TestTemplates {

    private TestTemplates() {
    }

    /** A fresh templates directory with template {@code name} (subject = event id, a one-line text part). */
    public static Path subjectIsEventId(String name) {
        try {
            Path templates = Files.createTempDirectory(name + "-templates");
            Files.createDirectories(templates.resolve(name));
            Files.writeString(templates.resolve(name + "/subject.ftl"), "${event.id}");
            Files.writeString(templates.resolve(name + "/text.ftl"), name + " ${event.id}");
            return templates;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
