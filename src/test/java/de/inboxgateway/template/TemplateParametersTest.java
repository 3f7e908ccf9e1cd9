package de.inboxgateway.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import de.inboxgateway.support.ApiException;
import de.inboxgateway.testing.Fixtures;

/** Template parameters against the two German templates of Meta's list format (positional and named). */
class TemplateParametersTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonNode page = Fixtures.json("whatsapp/templates/list-page-1.json");

    private Template template(int i) {
        JsonNode t = page.path("data").get(i);
        return new Template("102290129340398", t.path("id").asText(), t.path("name").asText(), t.path("language").asText(),
                t.path("status").asText(), t.path("category").asText(), t.path("parameter_format").asText(),
                t.path("components"), null, null, null);
    }

    private JsonNode json(String s) throws Exception {
        return mapper.readTree(s);
    }

    @Test
    void positionalTemplateBuildsMetasComponentsAndTheFilledInBody() throws Exception {
        TemplateParameters.Rendered r = TemplateParameters.render(template(0), json("""
                {"header":["14.04.2026"],"body":["Frau Schmidt","14.04.2026","08:00","12:00","Lindenstraße 12"],
                 "buttons":["WARTUNG_OK:HZ-2026-03"]}"""));
        assertThat(r.body()).startsWith("Guten Tag Frau Schmidt,\n\nam 14.04.2026 finden zwischen 08:00 und 12:00 Uhr in der "
                + "Lindenstraße 12 Wartungsarbeiten");
        assertThat(r.components()).isEqualTo(json("""
                [{"type":"header","parameters":[{"type":"text","text":"14.04.2026"}]},
                 {"type":"body","parameters":[{"type":"text","text":"Frau Schmidt"},{"type":"text","text":"14.04.2026"},
                   {"type":"text","text":"08:00"},{"type":"text","text":"12:00"},{"type":"text","text":"Lindenstraße 12"}]},
                 {"type":"button","index":"0","sub_type":"quick_reply","parameters":[{"type":"payload","payload":"WARTUNG_OK:HZ-2026-03"}]}]"""));
    }

    @Test
    void quickReplyPayloadsMayBeLeftOut() throws Exception {
        TemplateParameters.Rendered r = TemplateParameters.render(template(0), json("""
                {"header":["14.04.2026"],"body":["Frau Schmidt","14.04.2026","08:00","12:00","Lindenstraße 12"]}"""));
        assertThat(r.components()).hasSize(2);
    }

    @Test
    void namedTemplateTakesAnObjectByNameAndAMediaHeaderOfItsFormat() throws Exception {
        TemplateParameters.Rendered r = TemplateParameters.render(template(1), json("""
                {"header":{"type":"document","link":"https://files.example-hv.de/auftrag-4711.pdf","filename":"Auftrag-4711.pdf"},
                 "body":{"zeitfenster":"10:00 bis 12:00 Uhr","mieter_name":"Herr Weber","gewerk":"Sanitär",
                         "termin_datum":"Dienstag, 21.04.2026"}}"""));
        assertThat(r.body()).startsWith("Hallo Herr Weber,\n\nfür die Reparatur (Sanitär) in Ihrer Wohnung ist folgender "
                + "Termin vorgesehen: Dienstag, 21.04.2026, 10:00 bis 12:00 Uhr.");
        assertThat(r.components().get(0)).isEqualTo(json("""
                {"type":"header","parameters":[{"type":"document","document":{"link":"https://files.example-hv.de/auftrag-4711.pdf",
                 "filename":"Auftrag-4711.pdf"}}]}"""));
        assertThat(r.components().get(1).path("parameters").get(0)).isEqualTo(json(
                "{\"type\":\"text\",\"parameter_name\":\"mieter_name\",\"text\":\"Herr Weber\"}"));
    }

    @Test
    void everyMismatchIsA400ThatNamesTheComponentAndTheExpectedCount() {
        assertInvalid(template(0), "{\"header\":[\"14.04.2026\"],\"body\":[\"Frau Schmidt\"]}",
                "body: the template wartung_ankuendigung takes 5 parameters, got 1");
        assertInvalid(template(0), "{\"body\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "header: the template wartung_ankuendigung takes 1 parameter, got 0");
        assertInvalid(template(0), "{\"header\":[\"x\"],\"body\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"buttons\":[\"p\",\"q\"]}",
                "buttons: the template wartung_ankuendigung takes 1 button parameter");
        assertInvalid(template(0), "{\"header\":[\"x\"],\"body\":[\"a\",\"\",\"c\",\"d\",\"e\"]}", "body[1]");
        assertInvalid(template(0), "{\"header\":[\"x\"],\"body\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"footer\":[]}", "footer is unknown");
        assertInvalid(template(1), "{\"header\":[\"Auftrag\"],\"body\":{}}", "header: the template reparatur_termin has a DOCUMENT header");
        assertInvalid(template(1), "{\"header\":{\"type\":\"image\",\"link\":\"https://x/y.jpg\"}}", "DOCUMENT header");
        assertInvalid(template(1), "{\"header\":{\"type\":\"document\",\"link\":\"http://x/y.pdf\"},"
                + "\"body\":{\"mieter_name\":\"a\",\"gewerk\":\"b\",\"termin_datum\":\"c\",\"zeitfenster\":\"d\"}}", "https");
        assertInvalid(template(1), "{\"header\":{\"type\":\"document\",\"id\":\"1\"},\"body\":{\"mieter_name\":\"a\"}}",
                "body: the template reparatur_termin takes 4 named parameters [mieter_name, gewerk, termin_datum, zeitfenster]");
        assertInvalid(template(1), "{\"header\":{\"type\":\"document\",\"id\":\"1\"},\"body\":[\"a\",\"b\",\"c\",\"d\"]}",
                "as an object by name");
    }

    private static void assertInvalid(Template t, String parameters, String message) {
        assertThatThrownBy(() -> TemplateParameters.render(t, new ObjectMapper().readTree(parameters)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("TEMPLATE_PARAMETERS_INVALID");
                })
                .hasMessageContaining(message);
    }

    @Test
    void placeholdersAreCountedOnceInTextOrder() {
        assertThat(TemplateParameters.placeholders("{{2}} und {{1}} und {{2}}")).containsExactly("2", "1");
        assertThat(TemplateParameters.placeholders("ohne")).isEmpty();
    }
}
