package com.example.notify.smtp;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a local SMTP server (GreenMail) for the embedded default when {@code notify.smtp.embedded.enabled=true}:
 * the email channel delivers to a real SMTP server without any account. Messages stay in memory; read them
 * over IMAP on {@code notify.smtp.embedded.imap-port} (any user name, password = user name).
 */
public class EmbeddedSmtpListener extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSmtpListener.class);
    private GreenMail greenMail;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        if (!Boolean.parseBoolean(pc.resolveProperty("notify.smtp.embedded.enabled").orElse("false"))) {
            return;
        }
        int smtpPort = Integer.parseInt(pc.resolveProperty("notify.smtp.port").orElse("3025"));
        int imapPort = Integer.parseInt(pc.resolveProperty("notify.smtp.embedded.imap-port").orElse("3143"));
        greenMail = new GreenMail(new ServerSetup[] {
            new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
            new ServerSetup(imapPort, "127.0.0.1", ServerSetup.PROTOCOL_IMAP)
        });
        greenMail.start();
        LOG.info("Embedded SMTP server on 127.0.0.1:{} (IMAP on {})", smtpPort, imapPort);
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        if (greenMail != null) {
            greenMail.stop();
            greenMail = null;
        }
    }
}
