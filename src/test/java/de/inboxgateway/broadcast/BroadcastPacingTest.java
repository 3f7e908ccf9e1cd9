package de.inboxgateway.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The pacing rules: even spacing, no catch-up burst after a quiet spell, at most one tick's worth. */
class BroadcastPacingTest {

    private static final Instant T = Instant.parse("2026-04-14T08:00:00Z");
    private static final Duration EVERY = Duration.ofMillis(50); // 20 per second

    @Test
    void nothingIsDueBeforeTheSlot() {
        assertThat(BroadcastPacing.due(T.plusMillis(1), T, EVERY, 2)).isZero();
        assertThat(BroadcastPacing.due(T, T, EVERY, 2)).isEqualTo(1);
        assertThat(BroadcastPacing.due(T.minusMillis(60), T, EVERY, 2)).isEqualTo(2);
    }

    @Test
    void aLongQuietSpellGivesAtMostOneTicksWorthAndRestartsTheClockFromNow() {
        assertThat(BroadcastPacing.due(T.minusSeconds(3600), T, EVERY, 2)).isEqualTo(2);
        assertThat(BroadcastPacing.advance(T.minusSeconds(3600), T, EVERY, 2)).isEqualTo(T.plusMillis(50));
    }

    @Test
    void aClockOnTimeMovesOnByWhatWasTaken() {
        assertThat(BroadcastPacing.advance(T, T.plusMillis(10), EVERY, 1)).isEqualTo(T.plusMillis(50));
        assertThat(BroadcastPacing.advance(T, T.plusMillis(10), EVERY, 3)).isEqualTo(T.plusMillis(150));
    }
}
