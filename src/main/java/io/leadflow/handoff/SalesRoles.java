package io.leadflow.handoff;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/** Who may act for every sales rep: a sales manager or an administrator; a rep acts only for themself. */
final class SalesRoles {

    private SalesRoles() {
    }

    static boolean managesEveryone(Authentication user) {
        return user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .anyMatch(a -> a.equals("ROLE_SALES_MANAGER") || a.equals("ROLE_ADMIN"));
    }

    /**
     * Whether the user may see and answer the handoff: a manager every one, a rep those they own. One rule for the
     * handoff API and {@code /my-leads}, so the page never offers a button the API would refuse with 403.
     */
    static boolean mayAnswer(Handoff h, Authentication user) {
        return managesEveryone(user) || user.getName().equals(h.owner());
    }
}
