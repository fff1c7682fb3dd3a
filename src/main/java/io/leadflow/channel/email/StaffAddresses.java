package io.leadflow.channel.email;

import java.util.Optional;

/** The email address of one of our own people (a Leadflow user), as Camunda Admin keeps it. */
public interface StaffAddresses {

    Optional<String> emailOf(String userId);
}
