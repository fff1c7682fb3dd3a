package io.leadflow.channel.crm;

import org.springframework.http.ResponseEntity;
import org.springframework.integration.annotation.Gateway;
import org.springframework.integration.annotation.GatewayHeader;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;

/** Entry of the outbound CRM flow ({@link CrmFlows}): a JSON body in, the CRM's answer out. */
@MessagingGateway(name = "crmGateway")
interface CrmGateway {

    @Gateway(requestChannel = "crmPush.input",
            headers = @GatewayHeader(name = "Content-Type", value = "application/json"))
    ResponseEntity<String> push(@Payload String json, @Header("Idempotency-Key") String idempotencyKey);
}
