package com.example.notify.email;

/** The three rendered parts of an email, before they become a MIME message. */
public record RenderedEmail(String subject, String text, String html) {
}
