package io.leadflow.channel.email;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ResponseStatusException;

/** {@code /mailbox}: what the built-in mail catcher received, newest first, with clickable links. 404 when off. */
@Controller
class MailboxController {

    private static final Pattern LINK = Pattern.compile("https?://[^\\s<>\"')]+");

    record CaughtMail(String to, String subject, String sentAt, String text, List<String> links,
            String listUnsubscribe) {
    }

    private final Optional<MailCatcher> catcher;

    MailboxController(Optional<MailCatcher> catcher) {
        this.catcher = catcher;
    }

    @GetMapping("/mailbox")
    String mailbox(Model model) {
        model.addAttribute("mails", mails());
        return "mailbox";
    }

    @GetMapping(value = "/mailbox", produces = "application/json")
    @ResponseBody
    List<CaughtMail> mailboxJson() {
        return mails();
    }

    private List<CaughtMail> mails() {
        MailCatcher c = catcher.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                "The mail catcher is off (leadflow.mail.catcher.enabled=false)"));
        List<CaughtMail> mails = new ArrayList<>();
        for (MimeMessage m : c.messages()) {
            try {
                String text = MailParts.firstOfType(m, "text/plain");
                List<String> links = new ArrayList<>();
                Matcher matcher = LINK.matcher(text);
                while (matcher.find()) {
                    links.add(matcher.group());
                }
                Address[] to = m.getAllRecipients();
                mails.add(new CaughtMail(to == null ? "" : to[0].toString(), m.getSubject(),
                        m.getSentDate() == null ? "" : m.getSentDate().toInstant().toString(), text, links,
                        m.getHeader("List-Unsubscribe", null)));
            } catch (Exception e) {
                mails.add(new CaughtMail("?", "(unreadable: " + e.getMessage() + ")", "", "", List.of(), null));
            }
        }
        return mails;
    }
}
