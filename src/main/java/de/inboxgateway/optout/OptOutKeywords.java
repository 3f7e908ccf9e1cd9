package de.inboxgateway.optout;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import de.inboxgateway.config.GatewayProperties;
import org.springframework.stereotype.Component;

/**
 * The keyword rule: a message is an opt-out when its whole text, trimmed and in any case, is one of
 * the configured keywords. "STOP" and " stopp " are; "Bitte nicht stoppen" and "STOP bitte" are not.
 */
@Component
public class OptOutKeywords {

    private final Set<String> keywords;

    @org.springframework.beans.factory.annotation.Autowired
    public OptOutKeywords(GatewayProperties properties) {
        this(properties.getOptout().getKeywords());
    }

    public OptOutKeywords(java.util.Collection<String> keywords) {
        this.keywords = keywords.stream().map(OptOutKeywords::fold).collect(Collectors.toUnmodifiableSet());
    }

    /** The keyword the text is, upper-case, or null. */
    public String match(String text) {
        if (text == null) {
            return null;
        }
        String folded = fold(text);
        return keywords.contains(folded) ? folded : null;
    }

    private static String fold(String s) {
        return s.strip().toUpperCase(Locale.ROOT);
    }
}
