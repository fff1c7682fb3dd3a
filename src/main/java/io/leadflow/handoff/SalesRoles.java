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
}
