package io.leadflow.platform;

/** Small text helpers shared by modules that store what they are given in bounded columns. */
public final class Texts {

    private Texts() {
    }

    /** The value cut to at most {@code max} characters (null stays null), for a column of that size. */
    public static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
