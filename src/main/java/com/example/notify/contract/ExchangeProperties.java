package com.example.notify.contract;

/**
 * The names of the exchange properties routes and beans hand to each other: the contract between the steps
 * of routes/ and the beans they call, in one place. docs/exchange-properties.md says who writes and who
 * reads each; routes spell the same names in {@code ${exchangeProperty.<name>}}.
 * This package depends on nothing of the bundle's own, so every package may use it.
 */
public final class ExchangeProperties {

    /** The delivery attempt a status reports (1 for the first). */
    public static final String ATTEMPT = "notifyAttempt";
    /** When (epoch ms) a batch's lanes stop starting records (notify.stage.batch-time-budget-ms). */
    public static final String BATCH_DEADLINE = "notifyBatchDeadline";
    /** The channel whose breaker granted this delivery a permit not settled yet. */
    public static final String BREAKER_PERMIT = "notifyBreakerPermit";
    /** The channel a delivery goes to (one of notify.channels). */
    public static final String CHANNEL = "notifyChannel";
    /** The contact id a lookup is for (the event's data.recipient.contactId). */
    public static final String CONTACT_ID = "notifyContactId";
    /** The partition of the key an exchange was checked with (the partitioned dedupe store). */
    public static final String DEDUPE_PARTITION = "notifyDedupePartition";
    /** Of a delivery record: true once it reached a terminal state. */
    public static final String DELIVERY_FINISHED = "notifyDeliveryFinished";
    /** Of a lane's exchange: the delivery record (the consumer's own exchange) it works on. */
    public static final String DELIVERY_RECORD = "notifyDeliveryRecord";
    /** The partition of a digest's dedupe keys. */
    public static final String DIGEST_DEDUPE_PARTITION = "notifyDigestDedupePartition";
    /** The topic of a digest's dedupe keys. */
    public static final String DIGEST_DEDUPE_TOPIC = "notifyDigestDedupeTopic";
    /** The id of a digest record. */
    public static final String DIGEST_ID = "notifyDigestId";
    /** One item of a digest, for its own status event. */
    public static final String DIGEST_ITEM = "notifyDigestItem";
    /** A digest record's items. */
    public static final String DIGEST_ITEMS = "notifyDigestItems";
    /** The items dropped because they were delivered already (their status: skipped/already-sent). */
    public static final String DIGEST_ITEMS_SENT = "notifyDigestItemsSent";
    /** The parsed NotificationEvent. */
    public static final String EVENT = "notifyEvent";
    /** The id of the event a status is about. */
    public static final String EVENT_ID = "notifyEventId";
    /** The parsed provider feedback (SES). */
    public static final String FEEDBACK = "notifyFeedback";
    /** The event id a feedback message names. */
    public static final String FEEDBACK_EVENT_ID = "notifyFeedbackEventId";
    /** The event type a feedback message names. */
    public static final String FEEDBACK_EVENT_TYPE = "notifyFeedbackEventType";
    /** The kind of a feedback message (bounce, complaint, ...). */
    public static final String FEEDBACK_KIND = "notifyFeedbackKind";
    /** The key of a feedback status. */
    public static final String FEEDBACK_REF = "notifyFeedbackRef";
    /** How long (ms) the politeness limit held a delivery back. */
    public static final String HOLD_MS = "notifyHoldMs";
    /** Of a delivery record: the record before it in its lane (absent for a lane's first). */
    public static final String LANE_PREVIOUS = "notifyLanePrevious";
    /** The email's Message-ID. */
    public static final String MESSAGE_ID = "notifyMessageId";
    /** When (epoch ms) a held delivery may go out. */
    public static final String NOT_BEFORE = "notifyNotBefore";
    /** The prospect upsert (JSON) each attempt posts; an answer replaces the body. */
    public static final String PARDOT_BODY = "notifyPardotBody";
    /** The Pardot token a request uses (PardotTokenSource.Token, shown without its value): the one a rejection drops. */
    public static final String PARDOT_TOKEN = "notifyPardotToken";
    /** Of a delivery record: true for the first record of its partition in the batch. */
    public static final String PARTITION_HEAD = "notifyPartitionHead";
    /** Of a preview: why the contact lookup failed (the report says "not usable" or "lookup failed"). */
    public static final String PREVIEW_CONTACT_FAILURE = "notifyPreviewContactFailure";
    /** What the recipient's preferences decided for this channel (RecipientPreferences.Decision: reason, hold). */
    public static final String PREFERENCES = "notifyPreferences";
    /** The provider that sent (smtp, ses, pardot, ...). */
    public static final String PROVIDER = "notifyProvider";
    /** The provider's id of the sent message. */
    public static final String PROVIDER_MESSAGE_ID = "notifyProviderMessageId";
    /** The record value as received (bytes). */
    public static final String RAW = "notifyRaw";
    /** How many times the error handler redelivered. */
    public static final String REDELIVERIES = "notifyRedeliveries";
    /** How many dead letters a replay published. */
    public static final String REPLAY_PUBLISHED = "notifyReplayPublished";
    /** How many dead letters a replay selected. */
    public static final String REPLAY_SELECTED = "notifyReplaySelected";
    /** What a replay selected (reason, event id, time range). */
    public static final String REPLAY_SELECTION = "notifyReplaySelection";
    /** The retry tier topic chosen for this delivery (unset: dead-letter). */
    public static final String RETRY_TOPIC = "notifyRetryTopic";
    /** The status to publish (delivered, skipped, failed, ...). */
    public static final String STATUS = "notifyStatus";
    /** Why: the skip reason or the failure reason of a status. */
    public static final String STATUS_REASON = "notifyStatusReason";
    /** The suppression record key of a one-click unsubscribe. */
    public static final String UNSUBSCRIBE_KEY = "notifyUnsubscribeKey";
    /** The list a one-click unsubscribe is for. */
    public static final String UNSUBSCRIBE_LIST = "notifyUnsubscribeList";

    private ExchangeProperties() {
    }
}
