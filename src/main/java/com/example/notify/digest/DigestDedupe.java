package com.example.notify.digest;

import com.example.notify.contract.ExchangeProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.DefaultExchange;

/**
 * Per-item idempotency of digests. The collector may publish an item twice in two different windows (a restart or
 * a rebalance re-reads items above the committed offset whose window was already published; the re-read items
 * open a window with another id), so the per-digest-id dedupe cannot catch it. Each item's delivery key (the key a
 * non-digest delivery of its event on the channel would use, {@code NotificationEvent.deliveryKey}) is therefore
 * stored in the idempotency repository once a provider accepted the digest, and the items already stored are
 * dropped from a digest before it is composed.
 *
 * <p>Keys go to the digest record's own partition (its {@code kafka.TOPIC}/{@code kafka.PARTITION}, taken when
 * the items are checked): the partitioned store keeps keys per partition, and a digest record is keyed by its
 * recipient like any email delivery record, so a rebuilt digest and a non-digest delivery of the same event meet
 * the same store. A scratch exchange carries that partition: the store remembers one key per exchange, and the
 * digest's own key (added by the idempotent consumer when the exchange completes) must keep its partition.
 */
public class DigestDedupe implements CamelContextAware {

    private CamelContext camelContext;


    private String idempotentRepository;

    /**
     * On a digest (property {@code notifyDigestItems} set): keeps in {@code notifyDigestItems} only the items not
     * delivered yet, in order, and puts the others into {@link ExchangeProperties#DIGEST_ITEMS_SENT}. Not a digest: nothing.
     */
    public void dropAlreadySent(Exchange exchange, String channel) {
        List<Map<String, Object>> items = items(exchange);
        if (items == null) {
            return;
        }
        exchange.setProperty(ExchangeProperties.DIGEST_DEDUPE_TOPIC, exchange.getMessage().getHeader(KafkaConstants.TOPIC, String.class));
        exchange.setProperty(ExchangeProperties.DIGEST_DEDUPE_PARTITION, exchange.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class));
        IdempotentRepository repository = repository();
        Exchange scratch = scratch(exchange);
        List<Map<String, Object>> unsent = new ArrayList<>(items.size());
        List<Map<String, Object>> sent = new ArrayList<>();
        for (Map<String, Object> item : items) {
            (repository.contains(scratch, deliveryKey(item, channel)) ? sent : unsent).add(item);
        }
        exchange.setProperty(ExchangeProperties.DIGEST_ITEMS, unsent);
        exchange.setProperty(ExchangeProperties.DIGEST_ITEMS_SENT, sent);
    }

    /** After a provider accepted the digest: each of its items' delivery keys stored. Not a digest: nothing. */
    public void recordDelivered(Exchange exchange, String channel) {
        List<Map<String, Object>> items = items(exchange);
        if (items == null) {
            return;
        }
        IdempotentRepository repository = repository();
        Exchange scratch = scratch(exchange);
        for (Map<String, Object> item : items) {
            repository.add(scratch, deliveryKey(item, channel));
        }
    }

    /** The key a delivery of the item's event on this channel has, digest or not (source, id, channel). */
    static String deliveryKey(Map<String, Object> item, String channel) {
        return String.valueOf(item.get("source")) + '\u001f' + item.get("id") + '\u001f' + channel;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Exchange exchange) {
        return exchange.getProperty(ExchangeProperties.DIGEST_ITEMS, List.class);
    }

    private Exchange scratch(Exchange exchange) {
        Exchange scratch = new DefaultExchange(exchange.getContext());
        String topic = exchange.getProperty(ExchangeProperties.DIGEST_DEDUPE_TOPIC, String.class);
        Integer partition = exchange.getProperty(ExchangeProperties.DIGEST_DEDUPE_PARTITION, Integer.class);
        if (topic != null && partition != null) {
            scratch.getMessage().setHeader(KafkaConstants.TOPIC, topic);
            scratch.getMessage().setHeader(KafkaConstants.PARTITION, partition);
        }
        return scratch;
    }

    private IdempotentRepository repository() {
        IdempotentRepository repository = getCamelContext().getRegistry()
                .lookupByNameAndType(idempotentRepository, IdempotentRepository.class);
        if (repository == null) {
            throw new IllegalStateException("no idempotent repository named " + idempotentRepository);
        }
        return repository;
    }

    /** Bean name of the idempotency repository (notify.idempotency.repository). */
    public void setIdempotentRepository(String idempotentRepository) {
        this.idempotentRepository = idempotentRepository;
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
