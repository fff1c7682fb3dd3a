package io.leadflow.process;

import java.util.Optional;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.springframework.stereotype.Component;

import io.leadflow.channel.email.StaffAddresses;

/** A user's address is the email of the Camunda user (Camunda Admin → Users → Profile). */
@Component
class CamundaStaffAddresses implements StaffAddresses {

    private final IdentityService identity;

    CamundaStaffAddresses(IdentityService identity) {
        this.identity = identity;
    }

    @Override
    public Optional<String> emailOf(String userId) {
        User user = identity.createUserQuery().userId(userId).singleResult();
        return Optional.ofNullable(user).map(User::getEmail).filter(e -> !e.isBlank());
    }
}
