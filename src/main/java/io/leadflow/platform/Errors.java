package io.leadflow.platform;

/** Error messages as people read them. */
public final class Errors {

    private Errors() {
    }

    /** The innermost cause, "Type: message": what actually went wrong under the wrapping layers. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
