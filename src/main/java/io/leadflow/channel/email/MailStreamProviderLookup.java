package io.leadflow.channel.email;

import java.util.ServiceLoader;

import jakarta.mail.util.StreamProvider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jakarta Mail 2.1 finds its {@link StreamProvider} again for every message, body part and header block it builds or
 * writes, through a {@link ServiceLoader} scan of every jar on the class path. With Leadflow's class path that scan
 * was a quarter of the CPU of sending an email (and of parsing one, for the bounce reader). Jakarta Mail first reads
 * a system property naming the provider; naming the one the scan finds turns each lookup into a class lookup, with
 * the same provider as before.
 */
final class MailStreamProviderLookup {

    static final String PROPERTY = StreamProvider.class.getName();
    private static final Logger log = LoggerFactory.getLogger(MailStreamProviderLookup.class);

    private MailStreamProviderLookup() {
    }

    /** Names the provider once, unless the operator already did. */
    static synchronized void pin() {
        if (System.getProperty(PROPERTY) != null) {
            return;
        }
        ServiceLoader.load(StreamProvider.class, MailStreamProviderLookup.class.getClassLoader()).findFirst()
                .ifPresent(provider -> {
                    System.setProperty(PROPERTY, provider.getClass().getName());
                    log.debug("Jakarta Mail stream provider pinned to {}", provider.getClass().getName());
                });
    }
}
