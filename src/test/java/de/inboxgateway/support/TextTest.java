package de.inboxgateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {

    @Test
    void removesNulFromTextAndJsonEscapes() {
        assertThat(Text.clean("a\0b")).isEqualTo("ab");
        assertThat(Text.clean(null)).isNull();
        assertThat(Text.cleanJson("{\"t\":\"a\\u0000b\"}")).isEqualTo("{\"t\":\"ab\"}");
        // An escaped backslash followed by the letters u0000 is text, not NUL, and stays.
        assertThat(Text.cleanJson("{\"t\":\"a\\\\u0000b\"}")).isEqualTo("{\"t\":\"a\\\\u0000b\"}");
        assertThat(Text.cleanJson("{\"t\":\"a\\\\\\u0000b\"}")).isEqualTo("{\"t\":\"a\\\\b\"}");
    }

    @Test
    void loneSurrogatesBecomeReplacementCharacters() {
        assertThat(Text.clean("a\uD83Db")).isEqualTo("a\uFFFDb");
        assertThat(Text.clean("a\uDC4D")).isEqualTo("a\uFFFD");
        assertThat(Text.clean("\uD83D\uDC4D")).isEqualTo("\uD83D\uDC4D");
        assertThat(Text.truncate("abcdef", 3)).isEqualTo("abc…");
    }

    @Test
    void whatACallerSentCannotForgeALogLine() {
        String forged = "398765432109876\n2026-11-30T10:00:00Z INFO admin login ok\r\u2028\u0085\u001b[31m";
        String quoted = Text.forLog(forged, 200);
        assertThat(quoted).doesNotContain("\n", "\r", "\u2028", "\u0085", "\u001b")
                .isEqualTo("398765432109876\\u000a2026-11-30T10:00:00Z INFO admin login ok\\u000d\\u2028\\u0085\\u001b[31m");
        assertThat(Text.forLog("x".repeat(5000), 40)).hasSize(41).endsWith("…");
        assertThat(Text.forLog("Müller ✓", 40)).isEqualTo("Müller ✓");
        assertThat(Text.forLog(null, 40)).isNull();
    }
}
