package io.leadflow.imports;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streams CSV records (RFC 4180: quoted fields with doubled quotes and line breaks inside) one at a time, so a file
 * of a million rows never sits in memory. The encoding (UTF-8, with or without BOM, else Windows-1252) and the
 * separator ({@code ,} or {@code ;}, whichever the header uses more) are detected from the start of the file.
 */
final class CsvReader implements AutoCloseable {

    static final int MAX_FIELD = 8000;
    /** A CRM export has a few hundred columns at most; a header of millions of empty ones is an attack. */
    static final int MAX_COLUMNS = 500;
    private static final int SNIFF = 64 * 1024;

    private final Reader in;
    private final char separator;
    private final Charset charset;
    private int line = 1;
    private int recordLine;

    CsvReader(InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, SNIFF);
        buffered.mark(SNIFF);
        byte[] head = buffered.readNBytes(SNIFF);
        buffered.reset();
        boolean bom = head.length >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF;
        if (bom) {
            buffered.skipNBytes(3);
        }
        this.charset = bom || isUtf8(head) ? StandardCharsets.UTF_8 : Charset.forName("windows-1252");
        String firstLine = new String(head, charset).lines().findFirst().orElse("");
        long commas = firstLine.chars().filter(c -> c == ',').count();
        long semicolons = firstLine.chars().filter(c -> c == ';').count();
        this.separator = semicolons > commas ? ';' : ',';
        this.in = new BufferedReader(new InputStreamReader(buffered, charset), 64 * 1024);
    }

    char separator() {
        return separator;
    }

    Charset charset() {
        return charset;
    }

    /** The line where the last record returned started (1 = header). */
    int recordLine() {
        return recordLine;
    }

    /** The next record, or null at the end of the file. */
    List<String> next() throws IOException {
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int c;
        while ((c = in.read()) != -1) {
            any = true;
            char ch = (char) c;
            if (quoted) {
                if (ch == '"') {
                    in.mark(1);
                    int peek = in.read();
                    if (peek == '"') {
                        append(field, '"');
                    } else {
                        quoted = false;
                        if (peek != -1) {
                            in.reset();
                        }
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    append(field, ch);
                }
            } else if (ch == '"' && field.isEmpty()) {
                quoted = true;
            } else if (ch == separator) {
                if (fields.size() + 1 >= MAX_COLUMNS) {
                    throw new IOException("line " + recordLine + " has more than " + MAX_COLUMNS
                            + " columns: keep the columns Leadflow reads (docs/marketers.md, \"Importing contacts\")");
                }
                fields.add(field.toString());
                field.setLength(0);
            } else if (ch == '\n') {
                line++;
                fields.add(stripCr(field));
                return fields;
            } else {
                append(field, ch);
            }
        }
        if (!any) {
            return null;
        }
        fields.add(stripCr(field));
        return fields;
    }

    private static void append(StringBuilder field, char ch) throws IOException {
        if (field.length() >= MAX_FIELD) {
            throw new IOException("a field is longer than " + MAX_FIELD + " characters: is the separator or a quote wrong?");
        }
        field.append(ch);
    }

    private static String stripCr(StringBuilder field) {
        int n = field.length();
        return n > 0 && field.charAt(n - 1) == '\r' ? field.substring(0, n - 1) : field.toString();
    }

    /** Strict UTF-8 check of the sniffed bytes, tolerating a character cut at the end of the sample. */
    static boolean isUtf8(byte[] head) {
        for (int cut = 0; cut < 4 && cut <= head.length; cut++) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Arrays.copyOf(head, head.length - cut)));
                return true;
            } catch (CharacterCodingException e) {
                if (head.length < SNIFF) {
                    return false;
                }
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
