package de.inboxgateway.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.CachedBodyRequest;

/**
 * Guards webhook bodies before Camel sees them: over the size limit is 413, and a form body that
 * is not valid percent-encoding is 400. The second matters because platform-http decodes form
 * fields into headers before any route step runs, and fails with a bare 500 on bad encoding.
 * The body is read once, up to the limit, and handed on unchanged.
 */
public class WebhookBodyFilter extends OncePerRequestFilter {

    private final long maxBodyBytes;

    public WebhookBodyFilter(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        FilterRegistrationBean<WebhookBodyFilter> webhookBodyFilter(GatewayProperties properties) {
            FilterRegistrationBean<WebhookBodyFilter> registration =
                    new FilterRegistrationBean<>(new WebhookBodyFilter(properties.getWebhooks().getMaxBodyBytes()));
            registration.addUrlPatterns("/webhooks/*");
            return registration;
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        CachedBodyRequest bounded = CachedBodyRequest.readBounded(request, maxBodyBytes);
        if (bounded == null) {
            CachedBodyRequest.reject(response, 413, "PAYLOAD_TOO_LARGE", "body larger than " + maxBodyBytes + " bytes");
            return;
        }
        byte[] body = bounded.body();
        String contentType = request.getContentType();
        if (contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            try {
                FormBody.parse(new String(body, StandardCharsets.UTF_8));
            } catch (ApiException e) {
                CachedBodyRequest.reject(response, 400, e.code(), e.getMessage());
                return;
            }
        }
        chain.doFilter(bounded, response);
    }
}
