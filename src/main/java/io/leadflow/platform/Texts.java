package io.leadflow.platform;

/** Small text helpers shared by modules that store what they are given in bounded columns. */
public final class Texts {

    private Texts() {
    }

    /** A code as words for a page: {@code WEBINAR_ATTENDED} → "Webinar attended", {@code NO_BUDGET} → "No budget". */
    public static String words(String code) {
        String spaced = code.replace('_', ' ').replace('-', ' ').replace('.', ' ').toLowerCase(java.util.Locale.ROOT);
        return spaced.isEmpty() ? code : Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
    }

    /** The value cut to at most {@code max} characters (null stays null), for a column of that size. */
    public static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
