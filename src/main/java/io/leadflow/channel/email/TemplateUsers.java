package io.leadflow.channel.email;

import java.util.List;
import java.util.Map;

/** The steps of the deployed journeys that send each template, as a marketer would find them in the Modeler. */
public interface TemplateUsers {

    /** Template name to steps, e.g. {@code nurture.bpmn: Send value email (sendValue)}. */
    Map<String, List<String>> usedBy();
}
