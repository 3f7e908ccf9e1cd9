package de.inboxgateway.api;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.CachedBodyRequest;

/**
 * Bounds the tenant and admin API before anything else runs, authentication included:
 * <ul>
 * <li>capacity: at most {@code gateway.api.max-concurrent-requests} API requests in progress (held
 * from the first byte until the answer, also while a slow caller sends its body); beyond that 503
 * {@code API_BUSY} at once. Webhooks are not counted, so slow or many API callers cannot take the
 * threads that answer Meta and Twilio;</li>
 * <li>size: a declared body over {@code gateway.api.max-body-bytes} is 413 before a byte is read, a
 * chunked one is read only up to the limit. Media uploads keep their own limit (MediaUploadFilter).</li>
 * </ul>
 * The read timeout of a stalled body is Tomcat's ({@code server.tomcat.connection-timeout}).
 */
public class ApiRequestFilter extends OncePerRequestFilter {

    private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH");
    private final Semaphore permits;
    private final int maxConcurrent;
    private final long maxBodyBytes;

    public ApiRequestFilter(int maxConcurrent, long maxBodyBytes) {
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.permits = new Semaphore(this.maxConcurrent);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        ApiRequestFilter apiRequestFilter(GatewayProperties properties) {
            return new ApiRequestFilter(properties.getApi().getMaxConcurrentRequests(), properties.getApi().getMaxBodyBytes());
        }

        @Bean
        FilterRegistrationBean<ApiRequestFilter> apiRequestFilterRegistration(ApiRequestFilter filter) {
            FilterRegistrationBean<ApiRequestFilter> registration = new FilterRegistrationBean<>(filter);
            registration.addUrlPatterns("/api/*", "/admin/*");
            registration.setOrder(Ordered.LOWEST_PRECEDENCE - 100); // before the upload filter: capacity first
            return registration;
        }
    }

    /** API requests in progress now (for tests and diagnosis). */
    public int inProgress() {
        return maxConcurrent - permits.availablePermits();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!permits.tryAcquire()) {
            response.setHeader("Retry-After", "1");
            CachedBodyRequest.reject(response, 503, "API_BUSY", "too many API requests in progress; retry shortly");
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        };
        boolean handedOver = false;
        try {
            HttpServletRequest bounded = request;
            if (WITH_BODY.contains(request.getMethod()) && !"/api/v1/media".equals(request.getRequestURI())) {
                bounded = CachedBodyRequest.readBounded(request, maxBodyBytes);
                if (bounded == null) {
                    CachedBodyRequest.reject(response, 413, "PAYLOAD_TOO_LARGE", "body larger than " + maxBodyBytes + " bytes");
                    return;
                }
            }
            chain.doFilter(bounded, response);
            if (request.isAsyncStarted()) { // platform-http answers later, from its executor
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        release.run();
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        release.run();
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        release.run();
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this);
                    }
                });
                handedOver = true;
            }
        } finally {
            if (!handedOver) {
                release.run();
            }
        }
    }
}
