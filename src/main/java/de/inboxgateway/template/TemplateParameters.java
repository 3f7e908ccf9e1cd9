package de.inboxgateway.template;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import de.inboxgateway.support.ApiException;

/**
 * Checks a send's parameters against the stored template's components, before anything reaches
 * Meta, and builds the Graph API's {@code components} and the body as the resident will read it.
 * Pure: no I/O, so every rule is a unit test.
 *
 * <p>Request shape ({@code template.parameters}): {@code header} and {@code body} are the values in
 * placeholder order (a list) or, for a NAMED template, an object by name; a media header takes one
 * object {@code {"type":"image|video|document","link"|"id", "filename"?}}; {@code buttons} is one
 * string per button that takes one (quick reply: its payload; URL with a placeholder: the suffix;
 * copy code: the code), in button order. Quick-reply payloads are optional: {@code buttons} may be
 * left out when no button needs a value.
 */
public final class TemplateParameters {

    public static final String INVALID = "TEMPLATE_PARAMETERS_INVALID";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");
    private static final Set<String> MEDIA_FORMATS = Set.of("IMAGE", "VIDEO", "DOCUMENT");
    /** Meta's limit for one parameter value of a body. */
    static final int MAX_VALUE = 1024;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private TemplateParameters() {
    }

    /** @param components the Graph API's {@code template.components}; {@code body} the filled-in body text */
    public record Rendered(ArrayNode components, String body) {
    }

    public static Rendered render(Template template, JsonNode parameters) {
        JsonNode given = parameters == null || parameters.isNull() || parameters.isMissingNode()
                ? JSON.objectNode() : parameters;
        if (!given.isObject()) {
            throw invalid("template.parameters must be an object with header, body and buttons");
        }
        for (var names = given.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("header", "body", "buttons").contains(name)) {
                throw invalid("template.parameters." + name + " is unknown: only header, body and buttons");
            }
        }
        ArrayNode out = JSON.arrayNode();
        String body = null;
        boolean sawBody = false;
        for (JsonNode component : template.components()) {
            String type = component.path("type").asText("").toUpperCase();
            switch (type) {
                case "HEADER" -> header(template, component, given.path("header"), out);
                case "BODY" -> {
                    sawBody = true;
                    body = text(template, "body", component.path("text").asText(""), given.path("body"), out);
                }
                case "BUTTONS" -> buttons(template, component.path("buttons"), given.path("buttons"), out);
                default -> { } // FOOTER and anything new: nothing to fill in
            }
        }
        if (!sawBody) {
            expectNone(template, "body", given.path("body"));
        }
        if (template.components().findValues("type").stream().noneMatch(t -> "HEADER".equalsIgnoreCase(t.asText()))) {
            expectNone(template, "header", given.path("header"));
        }
        if (template.components().findValues("type").stream().noneMatch(t -> "BUTTONS".equalsIgnoreCase(t.asText()))) {
            expectNone(template, "buttons", given.path("buttons"));
        }
        return new Rendered(out, body);
    }

    private static void header(Template template, JsonNode component, JsonNode value, ArrayNode out) {
        String format = component.path("format").asText("TEXT").toUpperCase();
        if ("TEXT".equals(format)) {
            text(template, "header", component.path("text").asText(""), value, out);
            return;
        }
        if (MEDIA_FORMATS.contains(format) || "LOCATION".equals(format)) {
            JsonNode v = value.isArray() && value.size() == 1 ? value.get(0) : value;
            String wanted = format.toLowerCase();
            if (!v.isObject() || !wanted.equals(v.path("type").asText())) {
                throw invalid("header: the template " + template.name() + " has a " + format + " header and takes 1 "
                        + "parameter {\"type\":\"" + wanted + "\", " + ("location".equals(wanted)
                        ? "\"latitude\", \"longitude\", \"name\", \"address\"}" : "\"link\" or \"id\"}"));
            }
            ObjectNode parameter = JSON.objectNode().put("type", wanted);
            if ("location".equals(wanted)) {
                if (!v.path("latitude").isNumber() || !v.path("longitude").isNumber()) {
                    throw invalid("header: a location needs numeric latitude and longitude");
                }
                ObjectNode location = parameter.putObject("location");
                location.set("latitude", v.get("latitude"));
                location.set("longitude", v.get("longitude"));
                copyText(v, location, "name");
                copyText(v, location, "address");
            } else {
                String link = v.path("link").asText(null);
                String id = v.path("id").asText(null);
                if ((link == null) == (id == null)) {
                    throw invalid("header: a " + wanted + " header takes either \"link\" (https) or \"id\" (Meta's media id)");
                }
                if (link != null && !link.startsWith("https://")) {
                    throw invalid("header: the " + wanted + " link must be an https URL Meta can fetch");
                }
                ObjectNode media = parameter.putObject(wanted);
                media.put(link != null ? "link" : "id", link != null ? link : id);
                if ("document".equals(wanted)) {
                    copyText(v, media, "filename");
                }
            }
            out.addObject().put("type", "header").putArray("parameters").add(parameter);
            return;
        }
        expectNone(template, "header", value); // a header kind without parameters (e.g. new formats)
    }

    private static void copyText(JsonNode from, ObjectNode to, String field) {
        if (from.path(field).isTextual()) {
            to.put(field, from.path(field).asText());
        }
    }

    /** A TEXT header or the body: placeholders in text order, positional ({@code {{1}}}) or named. */
    private static String text(Template template, String component, String text, JsonNode value, ArrayNode out) {
        List<String> placeholders = placeholders(text);
        if (placeholders.isEmpty()) {
            expectNone(template, component, value);
            return text;
        }
        Map<String, String> values = new java.util.HashMap<>();
        ArrayNode parameters = JSON.arrayNode();
        if (template.named()) {
            if (!value.isObject() || !new TreeSet<>(iterable(value.fieldNames())).equals(new TreeSet<>(placeholders))) {
                throw invalid(component + ": the template " + template.name() + " takes " + placeholders.size()
                        + " named parameter" + (placeholders.size() == 1 ? "" : "s") + " " + placeholders
                        + (value.isObject() ? ", got " + iterable(value.fieldNames()) : ", as an object by name"));
            }
            for (String name : placeholders) {
                String v = value(template, component + "." + name, value.get(name));
                values.put(name, v);
                parameters.addObject().put("type", "text").put("parameter_name", name).put("text", v);
            }
        } else {
            int expected = placeholders.stream().mapToInt(TemplateParameters::position).max().orElse(0);
            if (!value.isArray() || value.size() != expected) {
                throw invalid(component + ": the template " + template.name() + " takes " + expected + " parameter"
                        + (expected == 1 ? "" : "s") + ", got " + (value.isArray() ? value.size() : value.isMissingNode()
                        || value.isNull() ? 0 : "no list"));
            }
            for (int i = 0; i < expected; i++) {
                String v = value(template, component + "[" + i + "]", value.get(i));
                values.put(String.valueOf(i + 1), v);
                parameters.addObject().put("type", "text").put("text", v);
            }
        }
        out.addObject().put("type", component).set("parameters", parameters);
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(filled, Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(filled);
        return filled.toString();
    }

    private static int position(String placeholder) {
        try {
            return Integer.parseInt(placeholder);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String value(Template template, String where, JsonNode v) {
        if (v == null || !(v.isTextual() || v.isNumber()) || v.asText().isBlank()) {
            throw invalid(where + ": a parameter of " + template.name() + " must be a non-empty text");
        }
        if (v.asText().length() > MAX_VALUE) {
            throw invalid(where + ": a parameter is longer than " + MAX_VALUE + " characters");
        }
        return v.asText();
    }

    /** One component per button that takes a value, with its index in the template's button list. */
    private static void buttons(Template template, JsonNode buttons, JsonNode value, ArrayNode out) {
        List<Integer> takers = new ArrayList<>();
        boolean required = false;
        for (int i = 0; i < buttons.size(); i++) {
            JsonNode b = buttons.get(i);
            String type = b.path("type").asText("").toUpperCase();
            if ("QUICK_REPLY".equals(type)) {
                takers.add(i);
            } else if ("URL".equals(type) && !placeholders(b.path("url").asText("")).isEmpty()
                    || "COPY_CODE".equals(type)) {
                takers.add(i);
                required = true;
            }
        }
        boolean absent = value.isMissingNode() || value.isNull() || value.isArray() && value.isEmpty();
        if (absent && !required) {
            return; // quick replies without payloads: Meta sends back the button's text
        }
        if (!value.isArray() || value.size() != takers.size()) {
            throw invalid("buttons: the template " + template.name() + " takes " + takers.size() + " button parameter"
                    + (takers.size() == 1 ? "" : "s") + " (one per quick reply, URL with a placeholder, copy code, "
                    + "in button order), got " + (value.isArray() ? value.size() : absent ? 0 : "no list"));
        }
        for (int k = 0; k < takers.size(); k++) {
            int index = takers.get(k);
            String type = buttons.get(index).path("type").asText("").toUpperCase();
            String v = value(template, "buttons[" + k + "]", value.get(k));
            ObjectNode component = out.addObject().put("type", "button").put("index", String.valueOf(index));
            ObjectNode parameter = component.putArray("parameters").addObject();
            switch (type) {
                case "QUICK_REPLY" -> {
                    component.put("sub_type", "quick_reply");
                    parameter.put("type", "payload").put("payload", v);
                }
                case "URL" -> {
                    component.put("sub_type", "url");
                    parameter.put("type", "text").put("text", v);
                }
                default -> {
                    component.put("sub_type", "copy_code");
                    parameter.put("type", "coupon_code").put("coupon_code", v);
                }
            }
        }
    }

    private static void expectNone(Template template, String component, JsonNode value) {
        boolean none = value.isMissingNode() || value.isNull() || value.isArray() && value.isEmpty()
                || value.isObject() && value.isEmpty();
        if (!none) {
            throw invalid(component + ": the template " + template.name() + " takes 0 parameters here");
        }
    }

    /** Distinct placeholder names in order of first appearance. */
    static List<String> placeholders(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return List.copyOf(names);
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, INVALID, message);
    }
}
