package io.leadflow.process;

import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEnginePersistenceException;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.ContainerBasedAuthenticationProvider;
import org.camunda.bpm.webapp.impl.security.auth.ContainerBasedAuthenticationFilter;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

import io.leadflow.platform.LoginThrottle;

/**
 * One sign-in for the app and the Camunda webapps: Spring Security checks passwords against the engine's
 * identity service and maps groups to roles; Camunda's container-based filters then take the signed-in user from
 * Spring, so Camunda's own authorizations apply to that user in Tasklist, Cockpit and /engine-rest.
 */
@Configuration
class CamundaSecurity {

    @Bean
    AuthenticationProvider identityServiceAuthentication(IdentityService identity, LoginThrottle throttle) {
        return new AuthenticationProvider() {
            /**
             * Reads the user from the engine's identity tables, under the limits of failed sign-ins (whatever way
             * the credentials came in). A connection a failover killed fails the first try and leaves the pool; the
             * second try takes a fresh one (a database still away then answers 503).
             */
            @Override
            public Authentication authenticate(Authentication authentication) {
                String ip = authentication.getDetails() instanceof WebAuthenticationDetails web
                        ? web.getRemoteAddress() : null;
                return throttle.checked(authentication.getName(), ip, () -> {
                    try {
                        return check(authentication);
                    } catch (ProcessEnginePersistenceException lostConnection) {
                        return check(authentication);
                    }
                });
            }

            private Authentication check(Authentication authentication) {
                String user = authentication.getName();
                Object password = authentication.getCredentials();
                if (user == null || password == null || !identity.checkPassword(user, password.toString())) {
                    throw new BadCredentialsException("Wrong user name or password");
                }
                List<SimpleGrantedAuthority> roles = identity.createGroupQuery().groupMember(user).list().stream()
                        .map(Group::getId).map(g -> new SimpleGrantedAuthority("ROLE_" + g)).toList();
                return UsernamePasswordAuthenticationToken.authenticated(user, null, roles);
            }

            @Override
            public boolean supports(Class<?> type) {
                return UsernamePasswordAuthenticationToken.class.isAssignableFrom(type);
            }
        };
    }

    /** After Spring Security: the webapps trust the user Spring signed in. */
    @Bean
    FilterRegistrationBean<ContainerBasedAuthenticationFilter> camundaWebappAuthentication() {
        var registration = new FilterRegistrationBean<>(new ContainerBasedAuthenticationFilter());
        registration.setInitParameters(Map.of(ProcessEngineAuthenticationFilter.AUTHENTICATION_PROVIDER_PARAM,
                ContainerBasedAuthenticationProvider.class.getName()));
        registration.addUrlPatterns("/camunda/app/*", "/camunda/api/*");
        registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 1);
        return registration;
    }

    /** After Spring Security: /engine-rest calls run as the signed-in user, under Camunda's authorizations. */
    @Bean
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication() {
        var registration = new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
        registration.setInitParameters(Map.of(ProcessEngineAuthenticationFilter.AUTHENTICATION_PROVIDER_PARAM,
                ContainerBasedAuthenticationProvider.class.getName()));
        registration.addUrlPatterns("/engine-rest/*");
        registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 1);
        return registration;
    }
}
