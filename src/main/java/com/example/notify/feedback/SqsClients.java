package com.example.notify.feedback;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the SQS client routes/receive-ses-feedback.camel.yaml reads with, from the same kind of properties as
 * the SES client (region, endpoint override, optional static key; else the AWS default credentials chain), so
 * that empty properties mean "default" rather than an empty key. Building it contacts nothing.
 */
public final class SqsClients {

    private SqsClients() {
    }

    public static SqsClient create(String region, String endpointOverride, String accessKeyId, String secretAccessKey) {
        var builder = SqsClient.builder()
                .region(Region.of(region == null || region.isBlank() ? "us-east-1" : region.strip()))
                .credentialsProvider(accessKeyId == null || accessKeyId.isBlank()
                        ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
        if (endpointOverride != null && !endpointOverride.isBlank()) {
            builder.endpointOverride(URI.create(endpointOverride.strip()));
        }
        return builder.build();
    }
}
