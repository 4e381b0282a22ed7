package com.example.notify.digest;

import com.example.notify.event.NotificationEvent;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The items of a digest: what each digested event contributes to the digest's template and to its own status
 * (id, source, type, time, params; never the address). Each item record on the digest topic carries its item in
 * the header {@link #ITEM}; the collector joins them, in order of arrival, into the digest record's {@link #ITEMS}.
 */
public final class DigestItems {

    /** On an item record: this item (JSON object). */
    public static final String ITEM = "notify-digest-item";
    /** On an item record: when it arrived (epoch ms, the digests' clock). */
    public static final String ARRIVED = "notify-digest-at";
    /** On an item record: when a window it opens closes (epoch ms). */
    public static final String CLOSES = "notify-digest-closes";
    /** On an item record: the key of the delivery record it was (the recipient), the digest record's key. */
    public static final String RECORD_KEY = "notify-digest-record-key";
    /** On a digest record: its id (deterministic: the same window rebuilt after a restart has the same id). */
    public static final String ID = "notify-digest-id";
    /** On a digest record: the items (JSON array), in order of arrival. */
    public static final String ITEMS = "notify-digest-items";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DigestItems() {
    }

    /** The email stage's idempotency key: per digest id for a digest, per (event, channel) otherwise. */
    public static String deliveryKey(NotificationEvent event, String digestId, String channel) {
        return digestId != null ? "digest\u001f" + digestId + '\u001f' + channel : event.deliveryKey(channel);
    }

    /** The item header of one digested event. */
    public static String item(NotificationEvent event) throws Exception {
        ObjectNode item = MAPPER.createObjectNode();
        item.put("id", event.getId());
        item.put("source", event.getSource());
        item.put("type", event.getType());
        if (event.getTime() != null) {
            item.put("time", event.getTime().toString());
        }
        if (event.getSubject() != null) {
            item.put("subject", event.getSubject());
        }
        item.set("params", MAPPER.valueToTree(event.getParams()));
        return MAPPER.writeValueAsString(item);
    }

    /** The items header of a digest: the item headers joined into one array, in the given order. */
    public static byte[] join(List<byte[]> items) throws Exception {
        ArrayNode array = MAPPER.createArrayNode();
        for (byte[] item : items) {
            array.add(MAPPER.readTree(item));
        }
        return MAPPER.writeValueAsBytes(array);
    }

    /** A digest record's items, for the template ({@code items}) and the items' statuses; null when not a digest. */
    public static List<Map<String, Object>> parse(Object header) throws Exception {
        if (header == null) {
            return null;
        }
        String json = header instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : header.toString();
        return MAPPER.readValue(json, new TypeReference<List<Map<String, Object>>>() { });
    }
}
