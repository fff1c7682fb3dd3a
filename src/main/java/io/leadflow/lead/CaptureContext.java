package io.leadflow.lead;

/**
 * Where a submission came from, for the consent ledger, and whether anyone could have sent it.
 *
 * @param anonymous a public form: nobody proved to be the person, so the submission only fills the fields we do
 *                  not hold yet (what the person gave stays; she changes it through her signed links). An
 *                  integrator's call ({@code POST /api/leads}) is not anonymous: its values win.
 */
public record CaptureContext(String formId, String ip, String userAgent, boolean anonymous) {

    /** A submission by a signed-in integrator or by Leadflow itself. */
    public CaptureContext(String formId, String ip, String userAgent) {
        this(formId, ip, userAgent, false);
    }
}
