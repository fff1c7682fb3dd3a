package io.leadflow.consent;

import org.springframework.stereotype.Component;

import io.leadflow.channel.email.FrequencyPreference;

/** The preference centre's frequency, for the email channel's cap. */
@Component
class PreferredFrequency implements FrequencyPreference {

    private final Preferences preferences;

    PreferredFrequency(Preferences preferences) {
        this.preferences = preferences;
    }

    @Override
    public String frequencyOf(String leadId) {
        return preferences.of(leadId).frequency();
    }
}
