package de.inboxgateway.optout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;

class OptOutKeywordsTest {

    private final OptOutKeywords keywords = new OptOutKeywords(new GatewayProperties());

    @Test
    void wholeTextTrimmedAnyCase() {
        assertThat(keywords.match("STOP")).isEqualTo("STOP");
        assertThat(keywords.match("  stopp \n")).isEqualTo("STOPP");
        assertThat(keywords.match("Abmelden")).isEqualTo("ABMELDEN");
        assertThat(keywords.match("\tOptOut")).isEqualTo("OPTOUT");
    }

    @Test
    void nearMisses() {
        for (String text : List.of("Bitte nicht stoppen", "STOP bitte", "stop.", "STOPPEN", "", " ", "ST OP")) {
            assertThat(keywords.match(text)).as(text).isNull();
        }
        assertThat(keywords.match(null)).isNull();
    }

    @Test
    void listIsConfigurable() {
        OptOutKeywords custom = new OptOutKeywords(List.of("halt", "Ende"));
        assertThat(custom.match("HALT")).isEqualTo("HALT");
        assertThat(custom.match("ende")).isEqualTo("ENDE");
        assertThat(custom.match("STOP")).isNull();
    }
}
