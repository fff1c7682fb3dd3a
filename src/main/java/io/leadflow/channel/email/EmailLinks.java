package io.leadflow.channel.email;

import java.util.Map;

import io.leadflow.lead.Lead;

/**
 * Supplies the links an email carries (confirmation, unsubscribe), issued at rendering time so that no usable
 * token is ever stored. Paths are relative; the outbox prefixes {@code leadflow.public-url}.
 */
public interface EmailLinks {

    Map<String, String> linksFor(Lead lead, String template);
}
