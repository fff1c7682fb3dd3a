package io.leadflow.channel.email;

/**
 * How often a lead wants marketing email, as chosen in the preference centre; supplied by the consent module so
 * that the frequency cap can respect it at send time.
 */
public interface FrequencyPreference {

    String ALL = "all";
    String WEEKLY = "weekly";
    String MONTHLY = "monthly";

    /** {@link #ALL} (the default), {@link #WEEKLY} or {@link #MONTHLY}. */
    String frequencyOf(String leadId);
}
