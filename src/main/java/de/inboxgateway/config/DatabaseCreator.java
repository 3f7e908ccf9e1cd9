package de.inboxgateway.config;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Creates the database named in {@code spring.datasource.url} when it does not exist yet, before
 * the DataSource and Flyway start: a newcomer needs nothing but a running PostgreSQL server.
 * Failing to reach the server is only logged; the DataSource then reports the real error.
 */
public class DatabaseCreator implements EnvironmentPostProcessor {

    private final Log log;

    public DatabaseCreator(DeferredLogFactory logFactory) {
        this.log = logFactory.getLog(DatabaseCreator.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.getProperty("gateway.database.create-if-missing", Boolean.class, true)) {
            return;
        }
        String url = env.getProperty("spring.datasource.url");
        if (url == null || !url.startsWith("jdbc:postgresql://")) {
            return;
        }
        String user = env.getProperty("spring.datasource.username", "postgres");
        String password = env.getProperty("spring.datasource.password", "");
        try {
            ensureDatabase(url, user, password);
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not check or create the database of " + url + ": " + e.getMessage());
        }
    }

    /** Connects to the server's maintenance database and creates {@code url}'s database if missing. */
    static boolean ensureDatabase(String url, String user, String password) throws SQLException {
        URI uri = URI.create(url.substring("jdbc:".length()));
        String path = uri.getPath();
        String database = path == null || path.length() < 2 ? null : path.substring(1);
        if (database == null || !database.matches("[A-Za-z0-9_]+")) {
            return false;
        }
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
        String maintenance = "jdbc:postgresql://" + uri.getHost() + port + "/postgres" + query;
        try (Connection c = DriverManager.getConnection(maintenance, user, password)) {
            try (PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                ps.setString(1, database);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                // The name was checked against [A-Za-z0-9_]+ above; CREATE DATABASE takes no parameters.
                st.execute("create database \"" + database + "\"");
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // another instance created it meanwhile
                    throw e;
                }
            }
            return true;
        }
    }
}
