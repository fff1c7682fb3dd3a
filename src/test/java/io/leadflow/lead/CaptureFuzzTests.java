package io.leadflow.lead;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.Charset;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * Random submissions on the three capture routes (docs/api.md §2): whatever arrives, the answer is never a 5xx, a refusal
 * in JSON is {@code application/problem+json}, a refusal stores nothing, and an acceptance stores the lead under the
 * trimmed lower-case form of a submitted address with no control character in any text field.
 * <p>
 * Every run draws a new seed and a failure names it: replay with {@code -Dfuzz.seed=<seed>}
 * ({@code -Dfuzz.requests=<n>} changes the number of requests, 300 by default).
 */
class CaptureFuzzTests extends ServiceTestBase {

    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 300);

    @Autowired
    private Leads leads;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void neverAnswersWithA5xxNorStoresGarbage() {
        long seed = Long.getLong("fuzz.seed", new SecureRandom().nextLong());
        Submissions submissions = new Submissions(new Random(seed));
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            Submission submission = submissions.next();
            Answer answer = send(submission);
            statuses.merge(answer.status(), 1, Integer::sum);
            for (String failure : check(submission, answer)) {
                failures.add("#%d %s%n    request:  %s%n    response: %s".formatted(i, failure, submission, answer));
            }
        }
        System.out.printf("Capture fuzz: -Dfuzz.seed=%d, %d requests, statuses %s (429: per-address limit hit)%n",
                seed, REQUESTS, statuses);
        assertThat(failures).as("capture fuzz, replay with -Dfuzz.seed=%d; statuses %s", seed, statuses).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What is checked

    private List<String> check(Submission s, Answer a) {
        if (a.status() >= 500) {
            return List.of("answered " + a.status() + " (see the server log for the cause)");
        }
        if (a.status() == 429) {
            return List.of(); // allowed by docs/api.md §2, only counted: fresh addresses should never reach the limit
        }
        if (a.status() >= 400) {
            List<String> failures = new ArrayList<>(storedNothing(s, a.status() + " answered"));
            if (a.looksLikeJson() && !a.isProblemJson()) {
                failures.add(a.status() + " with a JSON body typed " + a.contentType() + ", not application/problem+json");
            }
            return failures;
        }
        if (a.status() == 202) {
            return accepted(s, a);
        }
        if (a.status() == 200 && s.accept() != null && s.accept().contains("text/html")) {
            return s.honeypot() ? storedNothing(s, "a filled honeypot") : storedOneCleanLead(s);
        }
        return List.of("unexpected status " + a.status());
    }

    private List<String> accepted(Submission s, Answer a) {
        JsonNode body;
        try {
            body = json.readTree(a.body());
        } catch (IOException e) {
            return List.of("202 without a JSON body");
        }
        if (s.route() != Route.API) {
            // a public form's answer is the same for any address: nothing in it names a lead
            if (body.has("id") || body.has("consent") || body.has("visitor") || !body.has("thankYou")) {
                return List.of("a public form's 202 answer names a lead or lacks the thank-you text");
            }
            return s.honeypot() ? storedNothing(s, "a filled honeypot") : storedOneCleanLead(s);
        }
        String id = body.path("id").asText();
        if (id.isEmpty()) {
            return List.of("202 without an id");
        }
        if (s.honeypot()) {
            return Stream.concat(storedNothing(s, "a filled honeypot").stream(),
                    leads.find(id).map(l -> "the honeypot's answer names stored lead " + id).stream()).toList();
        }
        List<String> failures = new ArrayList<>();
        if (!"PENDING".equals(body.path("consent").asText())) {
            failures.add("a new address answered consent " + body.path("consent") + ", not PENDING");
        }
        ResponseEntity<String> view = get("/api/leads/" + id, "demo");
        if (view.getStatusCode().value() != 200) {
            failures.add("GET /api/leads/" + id + " answered " + view.getStatusCode().value() + ": " + view.getBody());
            return failures;
        }
        String email = read(view).path("email").asText();
        if (!s.emails().contains(email)) {
            failures.add("stored email " + quote(email) + " is none of the submitted " + quoted(s.emails()));
        }
        leads.find(id).ifPresent(lead -> failures.addAll(controlCharacters(lead)));
        return failures;
    }

    private List<String> storedOneCleanLead(Submission s) {
        List<Lead> stored = storedLeads(s);
        if (stored.size() != 1) {
            return List.of("the thank-you page was shown but " + stored.size() + " leads were stored for "
                    + quoted(s.emails()));
        }
        return controlCharacters(stored.get(0));
    }

    private List<String> storedNothing(Submission s, String after) {
        return storedLeads(s).stream()
                .map(l -> "after " + after + ", lead " + l.id() + " was stored for " + quote(l.email())).toList();
    }

    /** Leads under any of the submitted addresses; several spellings of one address find the same lead. */
    private List<Lead> storedLeads(Submission s) {
        return s.emails().stream().flatMap(e -> leads.findByEmail(e).stream()).distinct().toList();
    }

    private static List<String> controlCharacters(Lead l) {
        Map<String, String> texts = new TreeMap<>();
        texts.put("email", l.email());
        texts.put("firstName", l.firstName());
        texts.put("lastName", l.lastName());
        texts.put("company", l.company());
        texts.put("jobTitle", l.jobTitle());
        texts.put("industry", l.industry());
        texts.put("country", l.country());
        texts.put("phone", l.phone());
        texts.put("source", l.source());
        texts.put("utmSource", l.utmSource());
        texts.put("utmMedium", l.utmMedium());
        texts.put("utmCampaign", l.utmCampaign());
        texts.put("language", l.language());
        texts.put("consentText", l.consentText());
        return texts.entrySet().stream()
                .filter(t -> t.getValue() != null && t.getValue().chars().anyMatch(Character::isISOControl))
                .map(t -> "stored " + t.getKey() + " " + quote(t.getValue()) + " contains a control character")
                .toList();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Sending

    private Answer send(Submission s) {
        byte[] body = s.body();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(s.route().path)))
                .timeout(Duration.ofSeconds(20))
                .POST(s.chunked() ? BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                        : BodyPublishers.ofByteArray(body));
        if (s.contentType() != null) {
            request.header("Content-Type", s.contentType());
        }
        if (s.accept() != null) {
            request.header("Accept", s.accept());
        }
        if (s.route().authenticated) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString("demo:demo".getBytes(UTF_8)));
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    new String(response.body(), UTF_8));
        } catch (IOException e) {
            return new Answer(599, null, "no response: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Answer(int status, String contentType, String body) {

        boolean looksLikeJson() {
            String b = body.strip();
            return b.startsWith("{") || b.startsWith("[");
        }

        boolean isProblemJson() {
            try {
                return contentType != null
                        && MediaType.APPLICATION_PROBLEM_JSON.isCompatibleWith(MediaType.parseMediaType(contentType));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + abbreviate(body, 300);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What is sent

    enum Route {
        FORM_URLENCODED("/forms/newsletter", false, false),
        FORM_JSON("/forms/newsletter", true, false),
        API("/api/leads", true, true);

        final String path;
        final boolean json;
        final boolean authenticated;

        Route(String path, boolean json, boolean authenticated) {
            this.path = path;
            this.json = json;
            this.authenticated = authenticated;
        }
    }

    /**
     * One request as it goes on the wire, with what the server may store from it: {@code emails} are the normalised
     * forms of every submitted address, as read in any of the charsets the body could be taken for.
     */
    record Submission(Route route, String contentType, String accept, boolean chunked, byte[] body, Set<String> emails,
            boolean honeypot, String recipe) {

        @Override
        public String toString() {
            return "POST %s%s Content-Type: %s, Accept: %s, %s bytes%s [%s]: %s".formatted(route.path,
                    route.authenticated ? " (demo:demo)" : "", contentType, accept, body.length,
                    chunked ? " chunked" : "", recipe, abbreviate(printable(body), 600));
        }
    }

    /** A value written into the body byte for byte: invalid UTF-8, or form text that is not properly escaped. */
    record Raw(String label, byte[] bytes) {

        static Raw of(String label, int... bytes) {
            byte[] b = new byte[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                b[i] = (byte) bytes[i];
            }
            return new Raw(label, b);
        }

        static Raw ascii(String text) {
            return new Raw(text, text.getBytes(ISO_8859_1));
        }
    }

    record Field(String name, Object value) {
    }

    /** Draws submissions: mostly a valid one with a few fields spoiled, sometimes a body or header spoiled. */
    static final class Submissions {

        static final List<String> TEXT_FIELDS = List.of("firstName", "lastName", "company", "jobTitle", "industry",
                "phone", "source", "utmSource", "utmMedium", "utmCampaign", "consentText");

        private final Random random;

        Submissions(Random random) {
            this.random = random;
        }

        Submission next() {
            Route route = pick(Route.values());
            List<Field> fields = validFields();
            List<String> recipe = new ArrayList<>();
            int spoils = chance(25) ? 0 : 1 + random.nextInt(3);
            for (int i = 0; i < spoils; i++) {
                spoil(fields, route, recipe);
            }
            Charset charset = chance(80) ? UTF_8 : ISO_8859_1;
            String declared = declaredCharset(charset);
            boolean escapeNonAscii = chance(20);
            byte[] body = route.json ? json(fields, charset, escapeNonAscii) : form(fields, charset);
            if (route.json && chance(12)) {
                body = spoilJson(body, recipe);
            }
            String contentType = contentType(route, declared, recipe);
            String accept = chance(75) ? "application/json"
                    : pick("text/html", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "*/*", null,
                            "application/xml", "application/problem+json");
            if (charset != UTF_8) {
                recipe.add("body in " + charset);
            }
            return new Submission(route, contentType, accept, chance(20), body, emails(fields), honeypot(fields, route),
                    String.join("; ", recipe));
        }

        private List<Field> validFields() {
            List<Field> fields = new ArrayList<>();
            fields.add(new Field("email", freshEmail()));
            Object[][] optional = {{"firstName", "Ann"}, {"lastName", "Lee"}, {"company", "Acme"}, {"jobTitle", "CTO"},
                    {"industry", "Software"}, {"companySize", pick("250", 250)}, {"country", "FR"},
                    {"phone", "+33 1 23 45 67 89"}, {"source", "fuzz"}, {"utmSource", "newsletter"},
                    {"utmMedium", "email"}, {"utmCampaign", "spring"},
                    {"consentText", "I agree to receive the newsletter (v3)"}, {"language", pick("en", "fr-FR")}};
            for (Object[] f : optional) {
                if (chance(50)) {
                    fields.add(new Field((String) f[0], f[1]));
                }
            }
            return fields;
        }

        private void spoil(List<Field> fields, Route route, List<String> recipe) {
            switch (random.nextInt(10)) {
                case 0 -> {
                    Field gone = fields.remove(random.nextInt(fields.size()));
                    recipe.add("without " + gone.name());
                }
                case 1, 2 -> {
                    Object email = email();
                    set(fields, "email", email);
                    recipe.add("email " + describe(email));
                }
                case 3 -> {
                    String name = pick("companySize", "country", "language");
                    Object value = switch (name) {
                        case "companySize" -> companySize();
                        case "country" -> country();
                        default -> language();
                    };
                    set(fields, name, value);
                    recipe.add(name + " " + describe(value));
                }
                case 4 -> {
                    Field duplicate = pick(fields);
                    Object value = duplicate.name().equals("email") ? freshEmail() : text(route);
                    fields.add(random.nextInt(fields.size() + 1), new Field(duplicate.name(), value));
                    recipe.add(duplicate.name() + " twice, again as " + describe(value));
                }
                case 5 -> {
                    Object value = pick("", "  ", "http://spam.example", "\u00a0", 1, null, Map.of("url", "x"));
                    set(fields, "website", value);
                    recipe.add("honeypot " + describe(value));
                }
                case 6 -> {
                    String name = pick("consent", "id", "stage", "EMAIL", "email ", "", "__proto__", "a".repeat(300),
                            "firstName[]", "hacker", "line\nbreak", "nul\u0000", "\uFFFF", "\uD800");
                    Object value = pick("CONFIRMED", "x", 1, List.of("a"), Map.of("b", "c"));
                    fields.add(new Field(name, value));
                    recipe.add("unknown field " + describe(name) + "=" + describe(value));
                }
                default -> {
                    String name = pick(TEXT_FIELDS);
                    Object value = text(route);
                    set(fields, name, value);
                    recipe.add(name + " " + describe(value));
                }
            }
        }

        private static void set(List<Field> fields, String name, Object value) {
            fields.removeIf(f -> f.name().equals(name));
            fields.add(new Field(name, value));
        }

        // -- values --------------------------------------------------------------------------------------------------

        private String freshEmail() {
            String local = "fuzz-" + HexFormat.of().toHexDigits(random.nextLong()).substring(4);
            String email = local + "@" + pick("acme-corp.io", "example.org", "mail.co.uk");
            return switch (random.nextInt(5)) {
                case 0 -> email.toUpperCase(Locale.ROOT);
                case 1 -> pick(" ", "\t", "\r\n", "\u3000", "\u2003") + email + pick(" ", "\n", "\t \t", "\u3000");
                default -> email;
            };
        }

        private Object email() {
            String fresh = freshEmail().strip();
            return switch (random.nextInt(18)) {
                case 0 -> "";
                case 1 -> pick("   ", "not-an-email", "a@b", "@acme-corp.io", fresh + "@", "fuzz@@acme-corp.io");
                case 2 -> longEmail(fresh, pick(254, 255, 70 * 1024));
                case 3 -> fresh.replace("fuzz-", pick("o'brien-", "x'--", "a%_", "\"q\"", "x;drop-", "x+tag-"));
                case 4 -> pick("\u0000", "\u0007", "\u0085", "\r\n", "\t") + fresh.replace("@", pick("", "\u0000@"));
                case 5 -> fresh.replace("fuzz-", pick("\u212Aelvin-", "\u00fcml-", "\u0130-", "\uD83D\uDE00-", "\u05E9-"));
                case 6 -> fresh.replace("fuzz-", "<script>alert(1)</script>");
                case 7 -> fresh.replace("fuzz-", "fuzz-\n-");
                case 8 -> pick(12345, 3.5, true, null);
                case 9 -> pick(Map.of("email", fresh), List.of(fresh), List.of());
                case 10 -> Raw.of("email with invalid UTF-8", 0x66, 0xC3, 0x28, 0x40, 0x78, 0x2E, 0x69, 0x6F);
                case 11 -> fresh.replace("fuzz-", "\u202E");
                default -> freshEmail();
            };
        }

        private static String longEmail(String fresh, int length) {
            String domain = fresh.substring(fresh.indexOf('@'));
            String local = fresh.substring(0, fresh.indexOf('@'));
            return local + "x".repeat(Math.max(0, length - local.length() - domain.length())) + domain;
        }

        private Object text(Route route) {
            return switch (random.nextInt(route.json ? 13 : 12)) {
                case 0 -> pick("", " ", " \t ", "\u3000", "  Ann  ");
                case 1 -> "x".repeat(pick(199, 200, 201, 1000));
                case 2 -> "x".repeat(pick(10 * 1024, 63 * 1024, 70 * 1024));
                case 3 -> pick("Zoë Ångström", "Müller & Söhne", "山田太郎", "مرحبا بالعالم", "שלום עולם", "👩‍💻🚀✨",
                        "Z̴̡a̵l̶g̷o̸", "e\u0301", "\uFEFFbom", "zero\u200Bwidth\u200D", "\u202Eevil\u202C");
                case 4 -> "😀".repeat(pick(1, 100, 101));
                case 5 -> "İ".repeat(pick(1, 101, 150, 200));
                case 6 -> pick("\u0007", "a\u0000b", "\u0000", "line1\r\nline2", "\r\n", "trailing\n", "tab\tinside",
                        "\u001b[31mred", "del\u007f", "next\u0085line", "csi\u009b", "sep\u2028arator");
                case 7 -> pick("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "&amp;&lt;",
                        "{{7*7}}", "${jndi:ldap://x/a}", "[[${7*7}]]", "<!--", "]]>");
                case 8 -> pick("'; DROP TABLE leads; --", "O'Brien", "\" OR \"1\"=\"1", "\\", "%_%", "1' OR '1'='1",
                        "'", "\"");
                case 9 -> pick("\uD83D", "\uDE00", "\uFFFE", "\uFFFF", "\uFFFD");
                case 10 -> pick(Raw.of("invalid UTF-8 C3 28", 0xC3, 0x28), Raw.of("lone byte FF", 0xFF),
                        Raw.of("encoded surrogate ED A0 80", 0xED, 0xA0, 0x80), Raw.of("overlong C0 AF", 0xC0, 0xAF),
                        Raw.of("truncated E2 82", 0xE2, 0x82), Raw.of("latin-1 é", 0xE9));
                case 11 -> route.json ? pick(42, -1, 3.14, Long.MAX_VALUE, new BigDecimal("1e309"), true, false, null)
                        : pick(Raw.ascii("%zz"), Raw.ascii("%"), Raw.ascii("%0"), Raw.ascii("a&b=c"), Raw.ascii("%00"),
                                Raw.ascii("%0D%0A"), Raw.ascii("%C3%28"), Raw.ascii("%FF%FE"), Raw.ascii("a+b%2B"),
                                Raw.ascii("%u00e9"), Raw.ascii("=="));
                default -> pick(Map.of("value", "x"), List.of("a", "b"), List.of(), Map.of(), List.of(Map.of()));
            };
        }

        private Object companySize() {
            return pick("many", "12.5", "1e3", "-5", "0x10", "99999999999999999999", " 42 ", "٤٢", "+7", "", "0",
                    42, 42.0, -1, 2147483648L, true, List.of(1), "\u0000");
        }

        private Object country() {
            return pick("fr", "FR", " us ", "France", "ß", "ﬀ", "F", "F\u0000", "🇫🇷", "ZZ", "ıt", 33, List.of("FR"));
        }

        private Object language() {
            return pick("en", "fr-FR", "x", "en_US", "zh-Hant-TW", "fr-", "abcdefghi", "i-klingon",
                    "en-" + "abcdefgh-".repeat(3) + "x", "de-CH-1996", "ar\u0000", "FR-fr", 1);
        }

        // -- encodings -----------------------------------------------------------------------------------------------

        private String declaredCharset(Charset charset) {
            if (chance(60)) {
                return chance(50) ? null : charset.name();
            }
            return pick("utf-8", "\"UTF-8\"", "ISO-8859-1", "latin1", "UTF-16", "klingon", "", "utf8", "US-ASCII");
        }

        private String contentType(Route route, String declared, List<String> recipe) {
            String base = route.json ? "application/json" : "application/x-www-form-urlencoded";
            if (chance(20)) {
                base = pick(null, "text/plain", "application/xml", "multipart/form-data",
                        "multipart/form-data; boundary=----fuzz", "application/octet-stream", "text/json",
                        "application/problem+json", "application/vnd.api+json", "*/*", "application/*", "garbage",
                        "application/json;", "application/json; foo", route.json ? "application/x-www-form-urlencoded"
                                : "application/json", base.toUpperCase(Locale.ROOT), base + " ");
                recipe.add("Content-Type " + describe(base));
            }
            if (base == null || declared == null) {
                return base;
            }
            return base + (chance(50) ? "; " : ";") + "charset=" + declared;
        }

        private byte[] json(List<Field> fields, Charset charset, boolean escapeNonAscii) {
            Body body = new Body(charset);
            body.text("{");
            for (int i = 0; i < fields.size(); i++) {
                body.text(i == 0 ? "" : ",");
                body.text(jsonString(fields.get(i).name(), escapeNonAscii));
                body.text(":");
                jsonValue(body, fields.get(i).value(), escapeNonAscii);
            }
            body.text("}");
            return body.bytes();
        }

        private void jsonValue(Body body, Object value, boolean escapeNonAscii) {
            if (value instanceof Raw raw) {
                body.text("\"");
                body.raw(raw.bytes());
                body.text("\"");
            } else if (value instanceof String s) {
                body.text(jsonString(s, escapeNonAscii));
            } else if (value instanceof Map<?, ?> map) {
                body.text("{");
                String separator = "";
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    body.text(separator + jsonString(e.getKey().toString(), escapeNonAscii) + ":");
                    jsonValue(body, e.getValue(), escapeNonAscii);
                    separator = ",";
                }
                body.text("}");
            } else if (value instanceof List<?> list) {
                body.text("[");
                for (int i = 0; i < list.size(); i++) {
                    body.text(i == 0 ? "" : ",");
                    jsonValue(body, list.get(i), escapeNonAscii);
                }
                body.text("]");
            } else {
                body.text(String.valueOf(value)); // numbers, booleans, null
            }
        }

        /** A JSON string literal; now and then with a control character left raw, which JSON does not allow. */
        private String jsonString(String s, boolean escapeNonAscii) {
            boolean rawControls = chance(10);
            StringBuilder out = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if ((c < 0x20 && !rawControls) || (c > 0x7e && escapeNonAscii)) {
                    out.append("\\u%04x".formatted((int) c));
                } else {
                    out.append(c);
                }
            }
            return out.append('"').toString();
        }

        private byte[] form(List<Field> fields, Charset charset) {
            Body body = new Body(charset);
            for (int i = 0; i < fields.size(); i++) {
                Field f = fields.get(i);
                body.text((i == 0 ? "" : "&") + URLEncoder.encode(f.name(), charset));
                if (f.value() instanceof Raw raw) {
                    body.text("=");
                    body.raw(raw.bytes());
                } else if (f.value() != null) {
                    body.text("=" + URLEncoder.encode(String.valueOf(f.value()), charset));
                }
            }
            return body.bytes();
        }

        private byte[] spoilJson(byte[] body, List<String> recipe) {
            return switch (random.nextInt(7)) {
                case 0, 1 -> {
                    int cut = random.nextInt(Math.max(1, body.length));
                    recipe.add("JSON cut after " + cut + " bytes");
                    yield java.util.Arrays.copyOf(body, cut);
                }
                case 2 -> {
                    recipe.add("JSON with trailing garbage");
                    yield concat(body, pick("}}}", ",", "\u0000", "{\"email\":1}").getBytes(UTF_8));
                }
                case 3 -> {
                    recipe.add("JSON after a byte-order mark");
                    yield concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, body);
                }
                case 4 -> {
                    recipe.add("JSON nested 5000 deep");
                    yield ("{\"email\":\"deep@acme-corp.io\",\"company\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
                            .getBytes(UTF_8);
                }
                case 5 -> {
                    recipe.add("JSON in single quotes");
                    yield new String(body, UTF_8).replace('"', '\'').getBytes(UTF_8);
                }
                default -> {
                    String other = pick("", "null", "42", "\"a@b.io\"", "[]", "{}", "true", "[{\"email\":\"x@y.io\"}]");
                    recipe.add("body " + describe(other));
                    yield other.getBytes(UTF_8);
                }
            };
        }

        // -- what the server may store -------------------------------------------------------------------------------

        /**
         * The stored address may be any submitted one (JSON keeps the last of duplicated keys, forms the first), read
         * as sent or through a charset mix-up (a Latin-1 body read as UTF-8 and the other way round).
         */
        private static Set<String> emails(List<Field> fields) {
            Set<String> emails = new LinkedHashSet<>();
            for (Field f : fields) {
                if (!f.name().equals("email") || f.value() == null || f.value() instanceof Map
                        || f.value() instanceof List) {
                    continue;
                }
                String sent = f.value() instanceof Raw raw ? new String(raw.bytes(), UTF_8) : String.valueOf(f.value());
                for (String read : List.of(sent, new String(sent.getBytes(ISO_8859_1), ISO_8859_1),
                        new String(sent.getBytes(ISO_8859_1), UTF_8), new String(sent.getBytes(UTF_8), ISO_8859_1))) {
                    emails.add(read.strip().toLowerCase(Locale.ROOT));
                    emails.add(read.trim().toLowerCase(Locale.ROOT));
                }
            }
            return emails;
        }

        /**
         * Whether the server sees a filled honeypot: JSON keeps the last {@code website} (an object or array there is
         * refused), a form post the first (anything there is text).
         */
        private static boolean honeypot(List<Field> fields, Route route) {
            List<Object> websites = fields.stream().filter(f -> f.name().equals("website")).map(Field::value).toList();
            if (websites.isEmpty()) {
                return false;
            }
            Object website = route.json ? websites.get(websites.size() - 1) : websites.get(0);
            boolean structured = website instanceof Map || website instanceof List;
            return website != null && !(route.json && structured) && !String.valueOf(website).isBlank();
        }

        // -- randomness ----------------------------------------------------------------------------------------------

        private boolean chance(int percent) {
            return random.nextInt(100) < percent;
        }

        @SafeVarargs
        private <T> T pick(T... choices) {
            return choices[random.nextInt(choices.length)];
        }

        private <T> T pick(List<T> choices) {
            return choices.get(random.nextInt(choices.size()));
        }
    }

    /** Body bytes: text in the body's charset, raw bytes as they are. */
    private static final class Body {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Charset charset;

        Body(Charset charset) {
            this.charset = charset;
        }

        void text(String text) {
            out.writeBytes(text.getBytes(charset));
        }

        void raw(byte[] bytes) {
            out.writeBytes(bytes);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Messages

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static String describe(Object value) {
        if (value instanceof Raw raw) {
            return raw.label();
        }
        if (value instanceof String s) {
            return quote(s);
        }
        return value instanceof Map || value instanceof List ? "JSON " + value : String.valueOf(value);
    }

    private static String quoted(Set<String> values) {
        return values.stream().map(CaptureFuzzTests::quote).toList().toString();
    }

    /** Java-escaped, so that control characters, invisible and RTL characters show in a failure. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().limit(120).forEach(c -> {
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                out.append((char) c);
            } else if (c <= 0xffff) {
                out.append("\\u%04X".formatted(c));
            } else {
                out.append("\\u{%X}".formatted(c));
            }
        });
        return out.append(s.codePointCount(0, s.length()) > 120 ? "\"… (" + s.length() + " chars)" : "\"").toString();
    }

    private static String printable(byte[] body) {
        StringBuilder out = new StringBuilder();
        for (byte b : body) {
            int c = b & 0xff;
            out.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : "\\x%02X".formatted(c));
        }
        return out.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "… (" + s.length() + " chars)";
    }
}
