package de.inboxgateway.webhook;

import java.util.List;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** What the providers hear once everything of a webhook is committed. */
@Component("webhookReply")
public class WebhookReply {

    static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    /** Meta needs only the 200; the count helps whoever replays a webhook by hand. */
    public void whatsapp(Exchange exchange) {
        List<?> items = exchange.getMessage().getBody(List.class);
        reply(exchange, "application/json", "{\"items\":" + (items == null ? 0 : items.size()) + "}");
    }

    /** Twilio expects TwiML; an empty Response means "no auto-reply" (replies go through the REST API). */
    public void twiml(Exchange exchange) {
        reply(exchange, "text/xml", EMPTY_TWIML);
    }

    /** Status callbacks need no body. */
    public void empty(Exchange exchange) {
        reply(exchange, "text/plain", "");
    }

    /** The body as it is, as text/plain (Meta's subscription challenge). */
    public void plainText(Exchange exchange) {
        reply(exchange, "text/plain", exchange.getMessage().getBody(String.class));
    }

    private static void reply(Exchange exchange, String contentType, String body) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, contentType);
        message.setBody(body);
    }
}
