package de.inboxgateway.support;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import de.inboxgateway.config.GatewayProperties;
import org.springframework.stereotype.Component;

/** E.164 normalization with libphonenumber; numbers without a country code use the default region. */
@Component
public class PhoneNumbers {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final java.util.regex.Pattern BARE_DIGITS = java.util.regex.Pattern.compile("\\d{6,15}");
    /** Parsing is the costliest step of a webhook, and the same residents write again and again. */
    private static final int CACHE_SIZE = 10_000;
    private final java.util.Map<String, String> fromProviderCache = new java.util.concurrent.ConcurrentHashMap<>();
    private final String defaultRegion;

    public PhoneNumbers(GatewayProperties properties) {
        this.defaultRegion = properties.getDefaultRegion();
    }

    /** For input we answer for: an unusable number is the caller's error ({@code INVALID_PHONE}). */
    public String toE164(String raw) {
        if (raw == null || raw.isBlank() || raw.length() > 64) {
            throw new GatewayException.InvalidInput("INVALID_PHONE", "phone number is missing or too long");
        }
        try {
            PhoneNumber number = canonical(UTIL.parse(raw.strip(), defaultRegion));
            if (!UTIL.isPossibleNumber(number)) {
                throw new GatewayException.InvalidInput("INVALID_PHONE", "not a possible phone number: " + raw);
            }
            return UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
        } catch (NumberParseException e) {
            throw new GatewayException.InvalidInput("INVALID_PHONE", "not a phone number: " + raw);
        }
    }

    /**
     * For what a provider tells us: a sender is never dropped for its format. WhatsApp ids are
     * digits without '+'; short codes and alphanumeric senders stay as they came.
     */
    public String fromProvider(String raw) {
        if (raw == null) {
            return null;
        }
        String known = fromProviderCache.get(raw);
        if (known != null) {
            return known;
        }
        String normalized = parseFromProvider(raw);
        if (fromProviderCache.size() >= CACHE_SIZE) {
            fromProviderCache.clear(); // a bound, not an LRU: a flood of new numbers only starts it over
        }
        fromProviderCache.put(raw, normalized);
        return normalized;
    }

    private String parseFromProvider(String raw) {
        String candidate = raw.strip();
        if (BARE_DIGITS.matcher(candidate).matches()) {
            candidate = "+" + candidate;
        }
        try {
            PhoneNumber number = canonical(UTIL.parse(candidate, defaultRegion));
            return UTIL.isPossibleNumber(number)
                    ? UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164)
                    : raw.strip();
        } catch (NumberParseException e) {
            return raw.strip();
        }
    }

    /**
     * One spelling per person, so that a STOP always matches later sends to that person, however
     * either side wrote the number:
     * <ul>
     * <li>Mexico dropped the mobile "1" after +52 in 2019, but WhatsApp ids may still carry it
     * ({@code 521…}): {@code +52 1 XXXXXXXXXX} is {@code +52 XXXXXXXXXX};</li>
     * <li>an Argentine mobile is {@code +54 9 …} in E.164 and in WhatsApp ids ({@code 549…}); written
     * without the 9 it is the same line: {@code +54 XXXXXXXXXX} becomes {@code +54 9 XXXXXXXXXX}
     * when that is a valid mobile number.</li>
     * </ul>
     */
    private static PhoneNumber canonical(PhoneNumber number) {
        String national = String.valueOf(number.getNationalNumber());
        if (number.getCountryCode() == 52 && national.length() == 11 && national.startsWith("1")) {
            PhoneNumber without = parsed("+52" + national.substring(1));
            if (without != null && UTIL.isValidNumber(without)) {
                return without;
            }
        }
        if (number.getCountryCode() == 54 && national.length() == 10 && !national.startsWith("9")) {
            PhoneNumber mobile = parsed("+549" + national);
            if (mobile != null && UTIL.isValidNumber(mobile)
                    && UTIL.getNumberType(mobile) == PhoneNumberUtil.PhoneNumberType.MOBILE) {
                return mobile;
            }
        }
        return number;
    }

    private static PhoneNumber parsed(String e164) {
        try {
            return UTIL.parse(e164, "ZZ");
        } catch (NumberParseException e) {
            return null;
        }
    }
}
