package de.inboxgateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;

class PhoneNumbersTest {

    private final PhoneNumbers phones = new PhoneNumbers(new GatewayProperties()); // default region DE

    @Test
    void germanNumbersInAnySpellingAreOneNumber() {
        assertThat(phones.toE164("0176 1234 5678")).isEqualTo("+4917612345678");
        assertThat(phones.fromProvider("4917612345678")).isEqualTo("+4917612345678");
    }

    @Test
    void aMexicanWhatsappIdWithTheOldMobileOneIsTheSamePersonAsTheNumberWithoutIt() {
        assertThat(phones.fromProvider("5215512345678")).isEqualTo("+525512345678"); // wa_id as Meta sends it
        assertThat(phones.fromProvider("525512345678")).isEqualTo("+525512345678");
        assertThat(phones.toE164("+52 55 1234 5678")).isEqualTo("+525512345678");
        assertThat(phones.toE164("+52 1 55 1234 5678")).isEqualTo("+525512345678");
    }

    @Test
    void anArgentineMobileWithOrWithoutTheNineIsOneNumber() {
        assertThat(phones.fromProvider("5491123456789")).isEqualTo("+5491123456789"); // wa_id
        assertThat(phones.toE164("+54 9 11 2345-6789")).isEqualTo("+5491123456789");
        assertThat(phones.toE164("+54 11 2345-6789")).isEqualTo("+5491123456789");
        assertThat(phones.toE164("+54 11 15 2345-6789")).isEqualTo("+5491123456789"); // the domestic "15"
    }

    @Test
    void senderIdsThatAreNoNumbersStayAsTheyCame() {
        assertThat(phones.fromProvider("INFO")).isEqualTo("INFO");
    }
}
