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
}
