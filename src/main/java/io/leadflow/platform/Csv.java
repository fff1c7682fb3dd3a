package io.leadflow.platform;

/** CSV cells as spreadsheets read them safely: quoted when needed, formulas neutralised. */
public final class Csv {

    private Csv() {
    }

    /** Quoted when it holds a quote, separator or line break; a leading {@code = + - @} gets a {@code '}. */
    public static String cell(String value) {
        String v = value == null ? "" : value;
        String safe = !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        return safe.matches("(?s).*[\",;\\r\\n].*") ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
    }
}
