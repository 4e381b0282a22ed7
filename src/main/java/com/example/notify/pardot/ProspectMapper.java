package com.example.notify.pardot;

import com.example.notify.contract.ExchangeProperties;
import com.example.notify.event.Contact;
import com.example.notify.email.AddressValidator;
import com.example.notify.event.NotificationEvent;
import com.example.notify.failure.PermanentFailureException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;

/**
 * Builds the upsertLatestByEmail request from the event and its contact. Which prospect field comes from
 * where is configuration: {@code notify.pardot.field.<prospectField>=<source>}, where source is
 * {@code contact.<field>} (the contact's fields, or {@code name}/{@code locale}), {@code data.<path>} (the
 * event's data, dotted path), {@code event.id|source|type|time}, or {@code 'literal'}. A source without a
 * value leaves the field out.
 */
public class ProspectMapper implements CamelContextAware {

    private CamelContext camelContext;

    static final String PREFIX = "notify.pardot.field.";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private volatile Map<String, String> mapping;

    public String body(Exchange exchange) throws Exception {
        NotificationEvent event = exchange.getProperty(ExchangeProperties.EVENT, NotificationEvent.class);
        String email = event.getRecipient().getEmail();
        AddressValidator.parse(email, null); // missing, invalid or header-injecting address: permanent, with reason
        ObjectNode body = MAPPER.createObjectNode();
        body.put("matchEmail", email);
        ObjectNode prospect = body.putObject("prospect");
        prospect.put("email", email);
        for (Map.Entry<String, String> field : mapping().entrySet()) {
            String value = valueOf(field.getValue(), event);
            if (value != null) {
                prospect.put(field.getKey(), value);
            }
        }
        body.putArray("fields").add("id").add("email");
        return MAPPER.writeValueAsString(body);
    }

    static String valueOf(String source, NotificationEvent event) {
        String s = source.strip();
        if (s.length() >= 2 && s.startsWith("'") && s.endsWith("'")) {
            return s.substring(1, s.length() - 1);
        }
        if (s.startsWith("contact.")) {
            Contact contact = event.getContact();
            String name = s.substring("contact.".length());
            if ("name".equals(name)) {
                return event.getRecipient().getName();
            }
            if ("locale".equals(name)) {
                return event.getLocale();
            }
            Object value = contact == null ? null : contact.getFields().get(name);
            return value == null ? null : String.valueOf(value);
        }
        if (s.startsWith("data.")) {
            JsonNode node = event.getData();
            for (String part : s.substring("data.".length()).split("\\.")) {
                node = node == null ? null : node.get(part);
            }
            return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
        }
        return switch (s) {
            case "event.id" -> event.getId();
            case "event.source" -> event.getSource();
            case "event.type" -> event.getType();
            case "event.time" -> event.getTime() == null ? null : event.getTime().toString();
            default -> throw new PermanentFailureException("pardot-mapping-invalid",
                    "unknown source '" + s + "' in " + PREFIX + "*");
        };
    }

    private Map<String, String> mapping() {
        Map<String, String> m = mapping;
        if (m == null) {
            Properties all = getCamelContext().getPropertiesComponent().loadProperties(k -> k.startsWith(PREFIX));
            Map<String, String> fields = new TreeMap<>();
            all.stringPropertyNames().forEach(k -> {
                String resolved = getCamelContext().resolvePropertyPlaceholders("{{" + k + "}}");
                if (resolved != null && !resolved.isBlank()) {
                    fields.put(k.substring(PREFIX.length()), resolved);
                }
            });
            mapping = m = Map.copyOf(fields);
        }
        return m;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
