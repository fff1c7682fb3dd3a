package io.leadflow.channel.email;

import java.util.Properties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.mail.MailProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The SMTP sender from {@code spring.mail.*}, as Spring Boot would build it, but keeping its connections open
 * between emails ({@link ReusedSmtpConnections}, {@code leadflow.mail.connections.*}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MailProperties.class)
class SmtpConfiguration {

    @Bean
    JavaMailSender mailSender(MailProperties mail, EmailSettings settings,
            ObjectProvider<SslBundles> bundles) {
        MailStreamProviderLookup.pin();
        ReusedSmtpConnections sender = new ReusedSmtpConnections(settings.connections().maxMessages(),
                settings.connections().maxIdle());
        sender.setHost(mail.getHost());
        if (mail.getPort() != null) {
            sender.setPort(mail.getPort());
        }
        sender.setUsername(mail.getUsername());
        sender.setPassword(mail.getPassword());
        sender.setProtocol(mail.getProtocol());
        if (mail.getDefaultEncoding() != null) {
            sender.setDefaultEncoding(mail.getDefaultEncoding().name());
        }
        Properties properties = new Properties();
        properties.putAll(mail.getProperties());
        if (mail.getSsl().isEnabled()) {
            properties.setProperty("mail." + mail.getProtocol() + ".ssl.enable", "true");
        }
        if (mail.getSsl().getBundle() != null) {
            properties.put("mail." + mail.getProtocol() + ".ssl.socketFactory",
                    bundles.getObject().getBundle(mail.getSsl().getBundle()).createSslContext().getSocketFactory());
        }
        sender.setJavaMailProperties(properties);
        return sender;
    }
}
