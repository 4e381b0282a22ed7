package com.example.notify.contacts;

import com.example.notify.event.Contact;
import com.example.notify.failure.PermanentFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * Contacts from a JSON file (an array of contact records, or {@code {"contacts": [...]}}): the embedded
 * default and demos. The file is read on first use and again whenever its modification time changes.
 */
public class FileContactDirectory implements ContactDirectory {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Path file;
    private volatile Map<String, Contact> contacts;
    private volatile FileTime loadedVersion;

    public void setFile(String file) {
        this.file = file == null || file.isBlank() ? null : Path.of(file);
    }

    @Override
    public Contact find(String contactId) {
        Contact contact = contacts().get(contactId);
        if (contact == null) {
            throw new ContactNotFoundException(contactId);
        }
        return contact;
    }

    private Map<String, Contact> contacts() {
        if (file == null) {
            throw new PermanentFailureException("contacts-not-configured", "notify.contacts.file is not set");
        }
        try {
            FileTime version = Files.getLastModifiedTime(file);
            if (contacts == null || !version.equals(loadedVersion)) {
                synchronized (this) {
                    if (contacts == null || !version.equals(loadedVersion)) {
                        contacts = load(file);
                        loadedVersion = version;
                    }
                }
            }
            return contacts;
        } catch (IOException | RuntimeException e) {
            if (contacts != null) {
                return contacts; // keep serving the last good version while the file is being rewritten
            }
            throw new ContactsUnavailableException("contacts file " + file + " unreadable: " + e.getMessage(), e);
        }
    }

    static Map<String, Contact> load(Path file) throws IOException {
        JsonNode root = MAPPER.readTree(file.toFile());
        JsonNode records = root != null && root.isObject() ? root.path("contacts") : root;
        if (records == null || !records.isArray()) {
            throw new IOException("expected an array of contacts or {\"contacts\": [...]}");
        }
        Map<String, Contact> byId = new HashMap<>();
        for (JsonNode record : records) {
            Contact contact = Contact.fromJson(record, null);
            if (contact.getId() == null) {
                throw new IOException("a contact record has no id");
            }
            byId.put(contact.getId(), contact);
        }
        return Map.copyOf(byId);
    }
}
