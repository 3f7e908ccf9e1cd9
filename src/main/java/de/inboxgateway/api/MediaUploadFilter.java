package de.inboxgateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

import de.inboxgateway.config.GatewayProperties;

/**
 * Hands the body of {@code POST /api/v1/media} to its route unread. platform-http reads every request
 * body into memory before the first route step; an upload of up to 100 MB must instead stream into
 * the media store, and only after the API key was checked. So the route sees an empty body, and
 * reads the real one from the request attribute {@link #BODY}. A declared length over the limit is
 * answered 413 here, before anything is read.
 */
public class MediaUploadFilter extends OncePerRequestFilter {

    public static final String BODY = "gateway.uploadBody";
    private final long maxBytes;

    public MediaUploadFilter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        FilterRegistrationBean<MediaUploadFilter> mediaUploadFilter(GatewayProperties properties) {
            FilterRegistrationBean<MediaUploadFilter> registration =
                    new FilterRegistrationBean<>(new MediaUploadFilter(properties.getMedia().getMaxBytes()));
            registration.addUrlPatterns("/api/v1/media");
            return registration;
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod()) || !"/api/v1/media".equals(request.getRequestURI())) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getContentLengthLong() > maxBytes) {
            response.setStatus(413);
            response.setContentType("application/json");
            response.getOutputStream().write(("{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"the file is larger than "
                    + maxBytes + " bytes (gateway.media.max-bytes)\"}").getBytes(StandardCharsets.UTF_8));
            return;
        }
        request.setAttribute(BODY, request.getInputStream());
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public int getContentLength() {
                return 0; // platform-http reads no body of length 0
            }

            @Override
            public long getContentLengthLong() {
                return 0;
            }

            @Override
            public ServletInputStream getInputStream() throws IOException {
                return EMPTY;
            }
        }, response);
    }

    private static final ServletInputStream EMPTY = new ServletInputStream() {
        private final InputStream none = InputStream.nullInputStream();

        @Override
        public int read() throws IOException {
            return none.read();
        }

        @Override
        public boolean isFinished() {
            return true;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(jakarta.servlet.ReadListener listener) {
            throw new UnsupportedOperationException("synchronous reads only");
        }
    };
}
