package io.leadflow.channel.email;

import java.util.Map;

import io.leadflow.lead.Lead;

/**
 * Supplies the links an email carries (confirmation, unsubscribe), issued at rendering time so that no usable
 * token is ever stored. Paths are relative; the outbox prefixes {@code leadflow.public-url}.
 */
public interface EmailLinks {

    /** @param emailId the outbox row being rendered, so that what its links lead to is told of that email */
    Map<String, String> linksFor(Lead lead, String template, String emailId);

    /** Links that belong to no particular email. */
    default Map<String, String> linksFor(Lead lead, String template) {
        return linksFor(lead, template, null);
    }
}
