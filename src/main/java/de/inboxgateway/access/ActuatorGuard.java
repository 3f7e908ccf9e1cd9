package de.inboxgateway.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

import de.inboxgateway.config.GatewayProperties;

/**
 * The actuator on {@code server.port} is public for {@code /actuator/health} only (load balancers and
 * the contract need it); metrics, info and anything else answer 401 without the admin token.
 */
public class ActuatorGuard extends OncePerRequestFilter {

    private final byte[] adminDigest;

    ActuatorGuard(String adminToken) {
        this.adminDigest = adminToken == null || adminToken.isBlank() ? null : digest(adminToken);
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        FilterRegistrationBean<ActuatorGuard> actuatorGuard(GatewayProperties properties) {
            FilterRegistrationBean<ActuatorGuard> registration =
                    new FilterRegistrationBean<>(new ActuatorGuard(properties.getAdminToken()));
            registration.addUrlPatterns("/actuator/*");
            return registration;
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        if (path.equals("/actuator/health") || path.startsWith("/actuator/health/")) {
            chain.doFilter(request, response);
            return;
        }
        String token = ApiKeyGuard.bearer(request.getHeader("Authorization"));
        if (adminDigest != null && token != null && MessageDigest.isEqual(adminDigest, digest(token))) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(401);
        response.setContentType("application/json");
        response.getOutputStream().write("{\"code\":\"UNAUTHENTICATED\",\"message\":\"the actuator beyond /actuator/health needs the admin token\"}"
                .getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
