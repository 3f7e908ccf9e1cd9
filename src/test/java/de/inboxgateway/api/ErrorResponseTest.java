package de.inboxgateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

import de.inboxgateway.support.ApiException;
import de.inboxgateway.webhook.SignatureInvalidException;

/** Which failure becomes which status and code, however deep Camel wrapped it. */
class ErrorResponseTest {

    @Test
    void anApiExceptionIsAnsweredAsItIsEvenWhenWrapped() {
        ApiException conflict = ApiException.conflict("OPTOUT_ACTIVE", "opted out");
        assertThat(ErrorResponse.map(new RuntimeCamelException(conflict))).isSameAs(conflict);
    }

    @Test
    void aDomainRefusalGetsTheStatusTheRoutesChoseAndKeepsItsCodeAndDetails() {
        de.inboxgateway.support.GatewayException refused =
                new de.inboxgateway.support.GatewayException.Refused("OPTOUT_ACTIVE", "opted out").withDetail("messageId", 42L);
        ApiException e = ErrorResponse.map(new RuntimeCamelException(refused), 409);
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.code()).isEqualTo("OPTOUT_ACTIVE");
        assertThat(e.details()).containsEntry("messageId", 42L);
        // No onException mapped it: that is a bug in the routes, not the caller's fault.
        assertThat(ErrorResponse.map(refused, null).status()).isEqualTo(500);
    }

    @Test
    void aBadSignatureIs401() {
        ApiException e = ErrorResponse.map(new RuntimeCamelException(new SignatureInvalidException(de.inboxgateway.support.Channel.WHATSAPP, null, "bad")));
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo("SIGNATURE_INVALID");
    }

    @Test
    void storageFailuresAre503SoThatProvidersRetry() {
        assertThat(ErrorResponse.map(new CannotGetJdbcConnectionException("down", new SQLException("refused"))).status())
                .isEqualTo(503);
        assertThat(ErrorResponse.map(new CannotCreateTransactionException("down")).code()).isEqualTo("STORAGE_UNAVAILABLE");
        assertThat(ErrorResponse.map(new RuntimeException(new SQLException("connection reset"))).status()).isEqualTo(503);
    }

    @Test
    void ourOwnSqlMistakesAre500NotAnOutageToWaitFor() {
        ApiException e = ErrorResponse.map(new BadSqlGrammarException("select", "selct 1", new SQLException("syntax")));
        assertThat(e.status()).isEqualTo(500);
        assertThat(e.code()).isEqualTo("INTERNAL_ERROR");
    }

    @Test
    void aConstraintViolationIsTheCallersConflict() {
        ApiException e = ErrorResponse.map(new DataIntegrityViolationException("duplicate"));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void anythingElseIs500WithoutDetails() {
        ApiException e = ErrorResponse.map(new IllegalStateException("secret internals"));
        assertThat(e.status()).isEqualTo(500);
        assertThat(e.getMessage()).doesNotContain("secret");
    }
}
