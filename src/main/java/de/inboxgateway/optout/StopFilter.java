package de.inboxgateway.optout;

import java.util.Set;

import org.springframework.stereotype.Component;

import de.inboxgateway.normalize.InboundItem;
import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.support.Channel;

/**
 * Stage 4: marks a message that is an opt-out keyword. It does not stop the message (it is still
 * threaded, so the manager sees it); the opt-out row is written with the message, in its transaction.
 * On WhatsApp only what the person typed or tapped counts, not a caption under a photo.
 */
@Component("stopFilter")
public class StopFilter {

    private static final Set<String> WHATSAPP_TYPED = Set.of("text", "button", "interactive");
    private final OptOutKeywords keywords;

    public StopFilter(OptOutKeywords keywords) {
        this.keywords = keywords;
    }

    public InboundItem mark(InboundItem item) {
        if (!(item instanceof InboundMessage message) || message.optOut() != null) {
            return item;
        }
        if (message.channel() == Channel.WHATSAPP && !WHATSAPP_TYPED.contains(message.type())) {
            return item;
        }
        String keyword = keywords.match(message.text());
        return keyword == null ? item : message.withOptOut("keyword:" + keyword);
    }
}
