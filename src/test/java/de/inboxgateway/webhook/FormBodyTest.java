package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import de.inboxgateway.support.ApiException;

class FormBodyTest {

    @Test
    void decodesPercentAndPlusOnceAndKeepsRepeatsAndEmpties() {
        FormBody form = FormBody.parse("Body=Hello%0Aworld+%C3%A9%26x&X=1&X=2&Empty=&From=%2B4917612345678");
        assertThat(form.first("Body")).isEqualTo("Hello\nworld é&x");
        assertThat(form.params().get("X")).isEqualTo(List.of("1", "2"));
        assertThat(form.first("Empty")).isEmpty();
        assertThat(form.first("From")).isEqualTo("+4917612345678");
        assertThat(form.first("Missing")).isNull();
    }

    @Test
    void brokenEncodingIsAClientError() {
        assertThatThrownBy(() -> FormBody.parse("Body=%E0%A4%A")).isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
        assertThatThrownBy(() -> FormBody.parse("Body=%zz")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> FormBody.parse("Body=x&Flag")).isInstanceOf(ApiException.class);
    }

    @Test
    void emptyBody() {
        assertThat(FormBody.parse("").params()).isEmpty();
        assertThat(FormBody.parse(null).params()).isEmpty();
    }

    @Test
    void encodeIsTheInverseOfParse() {
        FormBody form = FormBody.of(java.util.Map.of("Body", "Grüße & 50 % + mehr", "From", "+4917612345678"));
        assertThat(FormBody.parse(form.encode()).params()).isEqualTo(form.params());
    }
}
