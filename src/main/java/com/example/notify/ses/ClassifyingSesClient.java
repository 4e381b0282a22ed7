package com.example.notify.ses;

import com.example.notify.failure.Masking;
import com.example.notify.failure.PermanentFailureException;
import com.example.notify.failure.TransientFailureException;
import java.net.URI;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ses.SesClient;
import software.amazon.awssdk.services.ses.model.SendRawEmailRequest;
import software.amazon.awssdk.services.ses.model.SendRawEmailResponse;

/**
 * The SES client camel-aws2-ses uses ({@code amazonSESClient=#sesClient}). It has the SDK's own retries
 * switched off, so that Camel's redelivery (with its backoff, logs and dead letters) is the only retry and
 * attempts are not multiplied, and it turns SES errors into classified failures: throttling, 5xx and network
 * errors are transient; rejected messages, unverified identities and other 4xx are permanent.
 * Credentials: the AWS default chain unless an access key is configured.
 */
public class ClassifyingSesClient implements SesClient {

    private static final Set<String> TRANSIENT_CODES = Set.of("Throttling", "ThrottlingException",
            "ServiceUnavailable", "InternalFailure", "RequestTimeout", "AccountSendingPausedException",
            "ConfigurationSetSendingPausedException");

    private String region = "us-east-1";
    private String endpointOverride;
    private String accessKeyId;
    private String secretAccessKey;
    private volatile SesClient delegate;

    @Override
    public SendRawEmailResponse sendRawEmail(SendRawEmailRequest request) {
        try {
            return client().sendRawEmail(request);
        } catch (AwsServiceException e) {
            throw classify(e);
        } catch (SdkClientException e) {
            throw new TransientFailureException("ses-unreachable", Masking.maskAndTruncate(e.getMessage(), 500), e);
        }
    }

    static RuntimeException classify(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String text = "SES " + e.statusCode() + " " + code + ": "
                + Masking.maskAndTruncate(e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage(), 500);
        String reason = "ses-" + kebab(code == null ? "error" : code.replace("Exception", ""));
        boolean transientFailure = e.isThrottlingException() || e.statusCode() >= 500 || e.statusCode() == 429
                || (code != null && TRANSIENT_CODES.contains(code));
        SdkException cause = e;
        return transientFailure ? new TransientFailureException(reason, text, cause)
                : new PermanentFailureException(reason, text, cause);
    }

    private static String kebab(String code) {
        return code.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private SesClient client() {
        SesClient c = delegate;
        if (c == null) {
            synchronized (this) {
                if (delegate == null) {
                    AwsCredentialsProvider credentials = accessKeyId == null || accessKeyId.isBlank()
                            ? DefaultCredentialsProvider.builder().build()
                            : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
                    var builder = SesClient.builder()
                            .region(Region.of(region))
                            .credentialsProvider(credentials)
                            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
                    if (endpointOverride != null && !endpointOverride.isBlank()) {
                        builder.endpointOverride(URI.create(endpointOverride));
                    }
                    delegate = builder.build();
                }
                c = delegate;
            }
        }
        return c;
    }

    @Override
    public String serviceName() {
        return SesClient.SERVICE_NAME;
    }

    @Override
    public synchronized void close() {
        if (delegate != null) {
            delegate.close();
            delegate = null;
        }
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public void setEndpointOverride(String endpointOverride) {
        this.endpointOverride = endpointOverride;
    }

    public void setAccessKeyId(String accessKeyId) {
        this.accessKeyId = accessKeyId;
    }

    public void setSecretAccessKey(String secretAccessKey) {
        this.secretAccessKey = secretAccessKey;
    }
}
