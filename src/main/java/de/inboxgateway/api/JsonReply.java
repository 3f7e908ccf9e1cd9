package de.inboxgateway.api;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.Json;

/**
 * The last step of every API route: the body becomes the JSON answer. All message headers are removed
 * first, because platform-http would otherwise echo request headers and query parameters back as
 * response headers.
 */
@Component("jsonReply")
public class JsonReply implements Processor {

    private final Json json;

    public JsonReply(Json json) {
        this.json = json;
    }

    @Override
    public void process(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        int status = 200;
        if (body instanceof Reply reply) {
            status = reply.status();
            body = reply.body();
        }
        write(exchange, status, body == null ? null : json.write(body));
    }

    static void write(Exchange exchange, int status, String jsonBody) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        if (jsonBody != null) {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        }
        message.setBody(jsonBody);
    }
}
