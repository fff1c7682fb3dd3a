package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

import io.leadflow.support.ServiceTestBase;

/** The Camunda webapps share Leadflow's sign-in and never offer their "create the first admin" page. */
class CamundaWebappTests extends ServiceTestBase {

    @Test
    void refusesTheFirstAdminSetupEvenToSignedInUsers() {
        var user = Map.of("profile", Map.of("id", "intruder", "firstName", "I", "lastName", "X"),
                "credentials", Map.of("password", "intruder"));

        assertThat(postJson("/camunda/api/admin/setup/default/user/create", null, user).getStatusCode())
                .isIn(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
        assertThat(postJson("/camunda/api/admin/setup/default/user/create", "alice", user).getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(read(get("/engine-rest/user?id=intruder", "demo"))).isEmpty();
    }

    @Test
    void showsTasklistTasksToTheSignedInSalesRepUnderCamundaAuthorizations() {
        assertThat(get("/camunda/api/engine/engine/default/task", "alice").getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(get("/camunda/api/engine/engine/default/task", null).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
    }
}
