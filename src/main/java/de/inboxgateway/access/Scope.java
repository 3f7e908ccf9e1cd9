package de.inboxgateway.access;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** What an API key may do. The wire names are part of the public contract. */
public final class Scope {

    public static final String MESSAGING_READ = "messaging:read";
    public static final String MESSAGING_SEND = "messaging:send";
    public static final String CONTACTS_WRITE = "contacts:write";
    public static final String OPTOUTS_MANAGE = "optouts:manage";
    public static final String EVENTS_READ = "events:read";
    public static final String AUDIT_READ = "audit:read";
    public static final String GDPR_ERASE = "gdpr:erase";
    public static final String CONVERSATIONS_WRITE = "conversations:write";
    public static final String TEMPLATES_MANAGE = "templates:manage";
    public static final String MESSAGING_BROADCAST = "messaging:broadcast";
    public static final String WEBHOOKS_MANAGE = "webhooks:manage";

    public static final Set<String> ALL = Set.of(MESSAGING_READ, MESSAGING_SEND, CONTACTS_WRITE, OPTOUTS_MANAGE,
            EVENTS_READ, AUDIT_READ, GDPR_ERASE, CONVERSATIONS_WRITE, TEMPLATES_MANAGE, MESSAGING_BROADCAST,
            WEBHOOKS_MANAGE);

    private Scope() {
    }

    public static String known() {
        return Arrays.stream(ALL.toArray(String[]::new)).sorted().collect(Collectors.joining(", "));
    }
}
