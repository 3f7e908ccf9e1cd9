package de.inboxgateway.events;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.ProducerTemplate;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;

/**
 * PostgreSQL LISTEN/NOTIFY with the standard driver, on a dedicated connection (camel-pgevent 4.17
 * needs another driver and did not recover from dropped connections). Every instance listens, so a
 * tenant's events reach its screens on every instance. A notification only triggers a delivery from
 * the event table; after a lost connection it reconnects with backoff and catches up from the table,
 * and every poll interval it looks anyway. Exposed as health indicator {@code eventFeed}.
 */
@Component("eventFeed")
public class TenantEventListener implements SmartLifecycle, HealthIndicator {

    public static final String APPLICATION_NAME = "inbox-gateway-events";
    private static final Logger LOG = LoggerFactory.getLogger(TenantEventListener.class);

    private final DataSourceProperties dataSource;
    private final ProducerTemplate producer;
    private final EventHub hub;
    private final int pollMillis;
    private volatile boolean running;
    private volatile boolean connected;
    private volatile Connection connection;
    private Thread thread;

    public TenantEventListener(DataSourceProperties dataSource, ProducerTemplate producer, EventHub hub,
                               GatewayProperties properties) {
        this.dataSource = dataSource;
        this.producer = producer;
        this.hub = hub;
        this.pollMillis = (int) properties.getEvents().getPollInterval().toMillis();
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::listen, "tenant-event-listener");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100; // after Camel is up, before the web server takes traffic
    }

    @Override
    public Health health() {
        return connected ? Health.up().build() : Health.down().withDetail("listen", "reconnecting").build();
    }

    public boolean isConnected() {
        return connected;
    }

    private void listen() {
        long backoff = 100;
        while (running) {
            try (Connection c = open()) {
                connection = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + EventLog.CHANNEL);
                }
                connected = true;
                backoff = 100;
                LOG.info("events: listening on {}", EventLog.CHANNEL);
                hub.deliverAll(); // whatever committed while we were not listening
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(pollMillis);
                    if (notifications == null || notifications.length == 0) {
                        if (!c.isValid(2)) {
                            throw new SQLException("LISTEN connection lost");
                        }
                        hub.deliverAll();
                        continue;
                    }
                    Set<Long> tenants = new TreeSet<>();
                    for (PGNotification n : notifications) {
                        String payload = n.getParameter();
                        if (payload.startsWith(EventLog.KEY_REVOKED)) {
                            closeScreensOfRevokedKey(payload);
                            continue;
                        }
                        int colon = payload.indexOf(':');
                        try {
                            tenants.add(Long.parseLong(colon < 0 ? payload : payload.substring(0, colon)));
                        } catch (NumberFormatException ignored) {
                            // not ours
                        }
                    }
                    for (Long tenant : tenants) {
                        producer.sendBody("direct:deliver-tenant-events", tenant);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                connected = false;
                if (!running) {
                    return;
                }
                LOG.warn("events: LISTEN connection lost ({}); reconnecting in {} ms", e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private void closeScreensOfRevokedKey(String payload) {
        try {
            hub.closeScreensOf(Long.parseLong(payload.substring(EventLog.KEY_REVOKED.length())));
        } catch (NumberFormatException ignored) {
            // not ours
        }
    }

    private Connection open() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", dataSource.determineUsername());
        String password = dataSource.determinePassword();
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        props.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(dataSource.determineUrl(), props);
        c.setAutoCommit(true);
        return c;
    }
}
