package com.example.notify.support;

import java.net.URI;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A local SQS in the test JVM: ElasticMQ speaks the SQS wire protocol (the AWS SDK v2's JSON protocol, which
 * camel-aws2-sqs uses), on a free port of 127.0.0.1. One per JVM, started on first use.
 */
public final class TestSqs {

    private static SQSRestServer server;
    private static int port;
    private static SqsClient client;

    private TestSqs() {
    }

    public static synchronized String endpoint() {
        if (server == null) {
            port = FreePort.next();
            server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
            server.waitUntilStarted();
            client = SqsClient.builder().region(Region.EU_WEST_1).endpointOverride(URI.create("http://127.0.0.1:" + port))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                    .build();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stopAndWait()));
        }
        return "http://127.0.0.1:" + port;
    }

    public static synchronized SqsClient client() {
        endpoint();
        return client;
    }

    /** Creates the queue (visibility timeout in seconds) and returns its URL. */
    public static String createQueue(String name, int visibilityTimeoutSeconds) {
        return client().createQueue(b -> b.queueName(name)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(visibilityTimeoutSeconds))))
                .queueUrl();
    }

    public static void send(String queueUrl, String body) {
        client().sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
    }

    /** Messages still in the queue: visible plus received-but-not-deleted (in flight). */
    public static int remaining(String queueUrl) {
        Map<QueueAttributeName, String> attributes = client().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Messages received by a reader and neither deleted nor visible again yet. */
    public static int inFlight(String queueUrl) {
        return Integer.parseInt(client().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}
