package com.example.notify.preferences;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whom a raw record of the bundle's topics is about, read without the event schema, so that every shape the
 * bundle writes is covered (events, delivery and retry records with their contact header, dead letters, stubs,
 * deferred Pardot records, status events): for the erasure of a recipient and for replays that must not bring
 * an erased recipient's records back. Linear in the record's size; nothing is logged.
 */
public final class RecordRecipients {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RecordRecipients() {
    }

    /** A person to find: an address and/or a contact id (either may be null). */
    public record Person(String email, String contactId) {

        public Person {
            email = email == null || email.isBlank() ? null : email.strip().toLowerCase(Locale.ROOT);
            contactId = contactId == null || contactId.isBlank() ? null : contactId.strip();
        }

        /** The forms a record key takes for this person: the recipient keys the bundle uses, the address itself. */
        Set<String> keys() {
            Set<String> keys = new LinkedHashSet<>();
            if (email != null) {
                String hash = RecipientKeys.addressHash(email);
                keys.add(email);
                keys.add(hash);
                keys.add("address:" + hash);
            }
            if (contactId != null) {
                keys.add("contact:" + contactId);
            }
            // a dead-letter stub keeps its record's key only as "sha256:" + the hash of that key
            for (String k : Set.copyOf(keys)) {
                keys.add("sha256:" + RecipientKeys.sha256Hex(k));
            }
            return keys;
        }
    }

    /**
     * True when the record names the person: its key is one of their keys, or its value or a header (JSON or
     * plain text) holds their address or their contact id (as {@code contactId}, or {@code id} of a contact).
     */
    public static boolean concerns(Person person, byte[] key, byte[] value, Map<String, byte[]> headers) {
        Set<String> keys = person.keys();
        if (key != null) {
            String k = lower(new String(key, StandardCharsets.UTF_8));
            // a list-scoped unsubscribe is keyed <address hash>:<list>
            if (keys.contains(k) || (person.email() != null && k.startsWith(RecipientKeys.addressHash(person.email()) + ":"))) {
                return true;
            }
        }
        if (mentions(person, value)) {
            return true;
        }
        for (byte[] header : headers.values()) {
            if (mentions(person, header)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The addresses a record names: {@code data.recipient.email} of the event it holds and the {@code email} of
     * its contact header (a contact-id event's address is only there).
     */
    public static Set<String> addresses(byte[] value, byte[] contactHeader) {
        Set<String> found = new LinkedHashSet<>();
        JsonNode event = json(value);
        if (event != null) {
            addText(found, event.path("data").path("recipient").path("email"));
            // a binary-mode CloudEvent's value is its data alone
            addText(found, event.path("recipient").path("email"));
        }
        JsonNode contact = json(contactHeader);
        if (contact != null) {
            addText(found, contact.path("email"));
        }
        return found;
    }

    private static void addText(Set<String> found, JsonNode node) {
        if (node.isTextual() && !node.asText().isBlank()) {
            found.add(node.asText().strip().toLowerCase(Locale.ROOT));
        }
    }

    private static boolean mentions(Person person, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return false;
        }
        JsonNode root = json(bytes);
        if (root == null) {
            // plain text, or JSON cut short (a dead-letter stub keeps the first 4 KB of its record): the address
            // anywhere in it, the contact id only as the whole value
            String text = lower(new String(bytes, StandardCharsets.UTF_8));
            return person.email != null && text.contains(person.email)
                    || person.contactId != null && text.equals(person.contactId.toLowerCase(Locale.ROOT));
        }
        // iterative walk: a deeply nested value cannot exhaust the stack
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", root));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> entry = todo.pop();
            JsonNode node = entry.getValue();
            if (node.isContainerNode()) {
                node.fields().forEachRemaining(field -> todo.push(field));
                if (node.isArray()) {
                    node.elements().forEachRemaining(element -> todo.push(Map.entry("", element)));
                }
            } else if (node.isValueNode()) {
                String text = node.asText();
                if (person.email != null && text.length() == person.email.length() && lower(text).equals(person.email)) {
                    return true;
                }
                String field = entry.getKey();
                if (person.contactId != null && text.equals(person.contactId)
                        && ("contactId".equals(field) || "id".equals(field) && root.has("optOut"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode json(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || (bytes[0] != '{' && bytes[0] != '[')) {
            return null;
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (Exception e) {
            return null;
        }
    }

    private static String lower(String s) {
        return s.strip().toLowerCase(Locale.ROOT);
    }
}
