package com.example.notify.smtp;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A camel-mail {@link JavaMailSender} that keeps a bounded pool of connected, authenticated SMTP transports
 * instead of opening, authenticating and closing a connection per message as camel-mail's default sender
 * does. A connection is retired after {@code maxMessagesPerConnection} messages or {@code idleTimeoutMs} idle,
 * and dropped after any failure. A failure on a reused connection that never reached the server's reply
 * (stale connection) is retried once on a new connection. Failures leave classified by
 * {@link SmtpReplyClassifier}.
 */
public class PooledJavaMailSender implements JavaMailSender, AutoCloseable, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(PooledJavaMailSender.class);

    private String host = "localhost";
    private int port = 25;
    private String protocol = "smtp";
    private String username;
    private String password;
    private boolean startTls;
    private boolean startTlsRequired;
    private String sslTrust;
    private boolean checkServerIdentity = true;
    private int poolSize = 4;
    private int priorityConnections;
    private int maxMessagesPerConnection = 500;
    private long idleTimeoutMs = 30_000;
    private int connectTimeoutMs = 10_000;
    private int readTimeoutMs = 30_000;
    private long borrowTimeoutMs = 30_000;
    private Properties javaMailProperties = new Properties();
    private boolean allowUtf8Addresses;
    private SmtpReplyClassifier classifier = new SmtpReplyClassifier();

    private volatile Session session;
    private volatile GenericObjectPool<PooledTransport> pool;
    private final AtomicLong connectionsOpened = new AtomicLong();
    private final AtomicLong messagesSent = new AtomicLong();

    static final class PooledTransport {
        final Transport transport;
        int sent;

        PooledTransport(Transport transport) {
            this.transport = transport;
        }
    }

    @Override
    public void send(MimeMessage message) throws MessagingException {
        GenericObjectPool<PooledTransport> transports = pool();
        for (int attempt = 1; ; attempt++) {
            PooledTransport pooled;
            try {
                pooled = transports.borrowObject(borrowTimeoutMs);
            } catch (Exception e) {
                throw classifier.classify(e);
            }
            boolean reused = pooled.sent > 0;
            try {
                requireSmtpUtf8WhereNeeded(pooled.transport, message);
                pooled.transport.sendMessage(message, message.getAllRecipients());
                pooled.sent++;
                messagesSent.incrementAndGet();
                if (pooled.sent >= maxMessagesPerConnection) {
                    transports.invalidateObject(pooled);
                } else {
                    transports.returnObject(pooled);
                }
                return;
            } catch (MessagingException e) {
                invalidate(transports, pooled);
                if (reused && attempt == 1 && isStaleConnection(e)) {
                    LOG.debug("Pooled SMTP connection was stale, retrying on a new one");
                    continue;
                }
                throw classifier.classify(e);
            } catch (Exception e) {
                invalidate(transports, pooled);
                throw classifier.classify(e);
            }
        }
    }

    /**
     * An internationalised address can only go to a relay that advertises SMTPUTF8; any other relay refuses it
     * however often it is tried (some by dropping the connection, which would look transient): permanent, at once.
     */
    static void requireSmtpUtf8WhereNeeded(Transport transport, MimeMessage message) throws MessagingException {
        jakarta.mail.Address[] recipients = message.getAllRecipients();
        if (recipients == null) {
            return;
        }
        for (jakarta.mail.Address recipient : recipients) {
            String address = recipient instanceof jakarta.mail.internet.InternetAddress internet ? internet.getAddress() : recipient.toString();
            if (!com.example.notify.event.EmailSyntax.isAscii(address)
                    && !(transport instanceof org.eclipse.angus.mail.smtp.SMTPTransport smtp && smtp.supportsExtension("SMTPUTF8"))) {
                var refused = new com.example.notify.failure.PermanentFailureException(
                        com.example.notify.email.AddressValidator.INVALID_ADDRESS,
                        "recipient address is internationalised and the relay does not advertise SMTPUTF8");
                throw new MessagingException(refused.getMessage(), refused);
            }
        }
    }

    /** The server closed an idle connection: no reply code, an I/O error underneath. */
    static boolean isStaleConnection(MessagingException e) {
        if (SmtpReplyClassifier.replyCode(e) > 0) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException || t instanceof IOException
                    || (t.getMessage() != null && t.getMessage().contains("not connected"))) {
                return true;
            }
        }
        return false;
    }

    private static void invalidate(GenericObjectPool<PooledTransport> transports, PooledTransport pooled) {
        try {
            transports.invalidateObject(pooled);
        } catch (Exception ignored) {
            // the transport is closed by destroyObject; nothing else to do
        }
    }

    private GenericObjectPool<PooledTransport> pool() {
        GenericObjectPool<PooledTransport> p = pool;
        if (p == null) {
            synchronized (this) {
                if (pool == null) {
                    GenericObjectPoolConfig<PooledTransport> config = new GenericObjectPoolConfig<>();
                    // the priority lane's connections on top: the normal lanes (at most poolSize threads) can
                    // never take the last ones, so an urgent email does not wait for a bulk one's connection
                    config.setMaxTotal(poolSize + priorityConnections);
                    config.setMaxIdle(poolSize + priorityConnections);
                    config.setMinIdle(0);
                    config.setLifo(true);
                    config.setBlockWhenExhausted(true);
                    config.setTestOnBorrow(false);
                    config.setJmxEnabled(false);
                    config.setMinEvictableIdleDuration(Duration.ofMillis(idleTimeoutMs));
                    config.setTimeBetweenEvictionRuns(Duration.ofMillis(Math.max(1000, idleTimeoutMs / 2)));
                    pool = new GenericObjectPool<>(new TransportFactory(), config);
                }
                p = pool;
            }
        }
        return p;
    }

    private final class TransportFactory extends BasePooledObjectFactory<PooledTransport> {
        @Override
        public PooledTransport create() throws MessagingException {
            Transport transport = getSession().getTransport(protocol);
            transport.connect(host, port, username, password);
            connectionsOpened.incrementAndGet();
            return new PooledTransport(transport);
        }

        @Override
        public PooledObject<PooledTransport> wrap(PooledTransport transport) {
            return new DefaultPooledObject<>(transport);
        }

        @Override
        public void destroyObject(PooledObject<PooledTransport> pooled) {
            try {
                pooled.getObject().transport.close();
            } catch (MessagingException e) {
                LOG.debug("Closing SMTP connection failed: {}", e.getClass().getSimpleName());
            }
        }
    }

    @Override
    public Session getSession() {
        Session s = session;
        if (s == null) {
            synchronized (this) {
                if (session == null) {
                    session = Session.getInstance(sessionProperties());
                }
                s = session;
            }
        }
        return s;
    }

    Properties sessionProperties() {
        Properties props = new Properties();
        String p = "mail." + protocol + ".";
        props.setProperty(p + "host", host);
        props.setProperty(p + "port", String.valueOf(port));
        props.setProperty(p + "connectiontimeout", String.valueOf(connectTimeoutMs));
        props.setProperty(p + "timeout", String.valueOf(readTimeoutMs));
        props.setProperty(p + "writetimeout", String.valueOf(readTimeoutMs));
        props.setProperty(p + "auth", String.valueOf(username != null && !username.isBlank()));
        props.setProperty(p + "starttls.enable", String.valueOf(startTls || startTlsRequired));
        props.setProperty(p + "starttls.required", String.valueOf(startTlsRequired));
        props.setProperty(p + "ssl.checkserveridentity", String.valueOf(checkServerIdentity));
        if (sslTrust != null && !sslTrust.isBlank()) {
            props.setProperty(p + "ssl.trust", sslTrust);
        }
        if (allowUtf8Addresses) {
            // SMTPUTF8 on MAIL FROM when the relay advertises it (send() refuses such addresses otherwise)
            props.setProperty("mail.mime.allowutf8", "true");
        }
        props.putAll(javaMailProperties);
        return props;
    }

    /** Connections opened since start: with reuse, far fewer than messages sent. */
    public long getConnectionsOpened() {
        return connectionsOpened.get();
    }

    public long getMessagesSent() {
        return messagesSent.get();
    }

    public int getActiveConnections() {
        GenericObjectPool<PooledTransport> p = pool;
        return p == null ? 0 : p.getNumActive() + p.getNumIdle();
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    /** Internationalised addresses may be sent, over SMTPUTF8 (property {@code notify.email.allow-utf8-addresses}). */
    public void setAllowUtf8Addresses(boolean allowUtf8Addresses) {
        this.allowUtf8Addresses = allowUtf8Addresses;
    }

    @Override
    public Properties getJavaMailProperties() {
        return javaMailProperties;
    }

    @Override
    public void setJavaMailProperties(Properties javaMailProperties) {
        this.javaMailProperties = javaMailProperties;
    }

    @Override
    public void addAdditionalJavaMailProperty(String key, String value) {
        javaMailProperties.setProperty(key, value);
    }

    @Override
    public void setHost(String host) {
        this.host = host;
    }

    @Override
    public String getHost() {
        return host;
    }

    @Override
    public void setPort(int port) {
        this.port = port;
    }

    @Override
    public int getPort() {
        return port;
    }

    @Override
    public void setUsername(String username) {
        this.username = username == null || username.isBlank() ? null : username;
    }

    @Override
    public String getUsername() {
        return username;
    }

    @Override
    public void setPassword(String password) {
        this.password = password == null || password.isBlank() ? null : password;
    }

    @Override
    public String getPassword() {
        return password;
    }

    @Override
    public void setProtocol(String protocol) {
        this.protocol = protocol;
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public void setSession(Session session) {
        this.session = session;
    }

    @Override
    public void setAuthenticator(MailAuthenticator authenticator) {
        // credentials are passed to Transport.connect; an authenticator is not needed
    }

    @Override
    public MailAuthenticator getAuthenticator() {
        return null;
    }

    public void setStartTls(boolean startTls) {
        this.startTls = startTls;
    }

    public void setStartTlsRequired(boolean startTlsRequired) {
        this.startTlsRequired = startTlsRequired;
    }

    public void setSslTrust(String sslTrust) {
        this.sslTrust = sslTrust;
    }

    public void setCheckServerIdentity(boolean checkServerIdentity) {
        this.checkServerIdentity = checkServerIdentity;
    }

    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    /** Connections beyond the pool size for the priority lane (notify.smtp.priority-connections). */
    public void setPriorityConnections(int priorityConnections) {
        this.priorityConnections = priorityConnections;
    }

    public void setMaxMessagesPerConnection(int maxMessagesPerConnection) {
        this.maxMessagesPerConnection = maxMessagesPerConnection;
    }

    public void setIdleTimeoutMs(long idleTimeoutMs) {
        this.idleTimeoutMs = idleTimeoutMs;
    }

    public void setConnectTimeoutMs(int connectTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
    }

    public void setReadTimeoutMs(int readTimeoutMs) {
        this.readTimeoutMs = readTimeoutMs;
    }

    public void setBorrowTimeoutMs(long borrowTimeoutMs) {
        this.borrowTimeoutMs = borrowTimeoutMs;
    }

    public void setReplyClassesFile(String file) {
        this.classifier = new SmtpReplyClassifier(file);
    }

    /** Its gauge and counters, bound by the metrics setup (routes/observe.camel.yaml, metrics-bind). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("notify_smtp_pool_connections", this, PooledJavaMailSender::getActiveConnections)
                .description("open SMTP connections in the pool").register(registry);
        FunctionCounter.builder("notify_smtp_connections_opened", this, PooledJavaMailSender::getConnectionsOpened)
                .description("SMTP connections opened since start").register(registry);
        FunctionCounter.builder("notify_smtp_messages_sent", this, PooledJavaMailSender::getMessagesSent)
                .description("messages accepted by the SMTP server").register(registry);
    }
}
