package io.leadflow.channel.email;

import java.io.IOException;

import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;

/** Reading received emails: the first body part of a given type, however deeply the multiparts nest. */
public final class MailParts {

    private MailParts() {
    }

    /** The first part of this MIME type ({@code text/plain}, {@code text/html}) as text, or "". */
    public static String firstOfType(Part part, String mimeType) throws MessagingException, IOException {
        if (part.isMimeType(mimeType)) {
            return (String) part.getContent();
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                String found = firstOfType(multipart.getBodyPart(i), mimeType);
                if (!found.isEmpty()) {
                    return found;
                }
            }
        }
        return "";
    }
}
