package io.leadflow.support;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;

/** The text/plain body of a received email. */
public final class MailText {

    private MailText() {
    }

    public static String of(Part part) throws Exception {
        if (part.isMimeType("text/plain")) {
            return (String) part.getContent();
        }
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                String t = of(bp);
                if (!t.isEmpty()) {
                    return t;
                }
            }
        }
        return "";
    }
}
