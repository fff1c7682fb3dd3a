package io.leadflow.process;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a bean of {@link Delegates}: the element template of {@code .camunda/element-templates} (its file name without
 * {@code .json}) from which marketers place this task in the Modeler. A delegate without one is a step of the shipped
 * journeys only (the handoff's, the double opt-in's).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface ElementTemplate {

    String value();
}
