package de.inboxgateway.push;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

import org.apache.hc.client5.http.DnsResolver;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;

/**
 * Where a push may go (SSRF): {@code https} only unless {@code gateway.push.allow-http}; no target
 * on a loopback, link-local, private, shared (CGNAT), multicast or unspecified address unless
 * {@code gateway.push.allow-private-targets}. Checked when a URL is set, and again by the HTTP
 * client's {@link #dnsResolver()} at every connect, after resolution: a name that later resolves
 * inside (DNS rebinding) is refused there.
 */
@Component
public class PushTargets {

    private final boolean allowHttp;
    private final boolean allowPrivate;

    public PushTargets(GatewayProperties properties) {
        this.allowHttp = properties.getPush().isAllowHttp();
        this.allowPrivate = properties.getPush().isAllowPrivateTargets();
    }

    /** The URL as it will be stored; 400 INVALID_REQUEST with the reason otherwise. */
    public String check(String url) {
        if (url == null || url.isBlank()) {
            throw ApiException.invalid("url is required");
        }
        if (url.length() > 2000) {
            throw ApiException.invalid("url is longer than 2000 characters");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw ApiException.invalid("url is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            throw ApiException.invalid(allowHttp ? "url must be http or https" : "url must be https");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw ApiException.invalid("url has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw ApiException.invalid("url must not carry credentials; verify the signature instead");
        }
        if (uri.getRawFragment() != null) {
            throw ApiException.invalid("url must not have a fragment");
        }
        try {
            resolve(host(uri));
        } catch (UnknownHostException e) {
            throw ApiException.invalid("url: " + e.getMessage());
        }
        return uri.toString();
    }

    /** Resolves a host and refuses it if any of its addresses is one a push must not reach. */
    InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] addresses = InetAddress.getAllByName(host);
        if (!allowPrivate) {
            for (InetAddress a : addresses) {
                if (isInternal(a)) {
                    throw new RefusedTargetException(host, a);
                }
            }
        }
        return addresses;
    }

    /** For the push HTTP client: every connect resolves through here. */
    public DnsResolver dnsResolver() {
        return new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                return PushTargets.this.resolve(host);
            }

            @Override
            public String resolveCanonicalHostname(String host) throws UnknownHostException {
                return resolve(host)[0].getCanonicalHostName();
            }
        };
    }

    private static String host(URI uri) {
        String host = uri.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Loopback, link-local, private (RFC 1918, fc00::/7), CGNAT, multicast, unspecified, broadcast. */
    static boolean isInternal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()
                || a.isAnyLocalAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0                                          // "this network"
                    || (first == 100 && second >= 64 && second < 128)  // shared address space (CGNAT)
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19))   // benchmarking
                    || first >= 240;                                   // reserved and broadcast
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return true; // unique local fc00::/7
            }
            boolean embedsV4 = isZero(b, 0, 10) && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff));
            boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                    && isZero(b, 4, 12);
            if (embedsV4 || nat64) { // ::a.b.c.d, ::ffff:a.b.c.d, 64:ff9b::a.b.c.d reach IPv4 behind them
                try {
                    return isInternal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A target that resolves to an address a push must not reach. */
    public static final class RefusedTargetException extends UnknownHostException {
        RefusedTargetException(String host, InetAddress address) {
            super(host + " resolves to " + address.getHostAddress()
                    + ", an internal address (loopback, link-local, private or multicast); refused");
        }
    }
}
