package de.inboxgateway.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusRankTest {

    @Test
    void forwardOnlyOrder() {
        assertThat(StatusRank.of("accepted")).isLessThan(StatusRank.of("sending"));
        assertThat(StatusRank.of("sending")).isLessThan(StatusRank.of("sent"));
        assertThat(StatusRank.of("sent")).isLessThan(StatusRank.of("delivered"));
        assertThat(StatusRank.of("delivered")).isLessThan(StatusRank.of("failed"));
        assertThat(StatusRank.of("undelivered")).isEqualTo(StatusRank.of("failed"));
        assertThat(StatusRank.of("failed")).isLessThan(StatusRank.of("read"));
        assertThat(StatusRank.of("queued")).isEqualTo(StatusRank.of("accepted"));
    }

    @Test
    void unknownStatusesAreNeverApplied() {
        assertThat(StatusRank.of("partially_delivered")).isNegative();
        assertThat(StatusRank.of("warning")).isNegative();
        assertThat(StatusRank.of(null)).isNegative();
    }
}
