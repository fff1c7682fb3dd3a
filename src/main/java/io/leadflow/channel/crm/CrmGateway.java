package io.leadflow.channel.crm;

import java.net.URI;

import org.springframework.http.ResponseEntity;
import org.springframework.integration.annotation.Gateway;
import org.springframework.integration.annotation.GatewayHeader;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;

/** Entry of the outbound CRM flow ({@link CrmFlows}): a JSON body, its method and address in, the CRM's answer out. */
@MessagingGateway(name = "crmGateway")
interface CrmGateway {

    String URI = "crm_uri";
    String METHOD = "crm_method";

    @Gateway(requestChannel = "crmPush.input",
            headers = @GatewayHeader(name = "Content-Type", value = "application/json"))
    ResponseEntity<String> push(@Payload String json, @Header("Idempotency-Key") String idempotencyKey,
            @Header(URI) URI uri, @Header(METHOD) String method);
}
