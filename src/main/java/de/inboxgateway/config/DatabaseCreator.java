package de.inboxgateway.config;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Creates the database named in {@code spring.datasource.url} when it does not exist yet, as the
 * DataSource is built and before Flyway migrates: a newcomer needs nothing but a running PostgreSQL
 * server. Failing to reach the server is only logged; the DataSource then reports the real error.
 * Off with {@code gateway.database.create-if-missing=false}.
 */
public class DatabaseCreator implements BeanPostProcessor, org.springframework.context.EnvironmentAware {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCreator.class);
    private org.springframework.core.env.Environment environment;

    @Override
    public void setEnvironment(org.springframework.core.env.Environment environment) {
        this.environment = environment;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource ds && ds.getJdbcUrl() != null
                && ds.getJdbcUrl().startsWith("jdbc:postgresql://")) {
            try {
                // The migration user owns the schema and may create databases; the gateway's role may not.
                String user = environment == null ? null : environment.getProperty("spring.flyway.user");
                String password = user == null ? ds.getPassword() : environment.getProperty("spring.flyway.password", "");
                if (ensureDatabase(ds.getJdbcUrl(), user == null ? ds.getUsername() : user, password)) {
                    LOG.info("created database of {}", ds.getJdbcUrl());
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("could not check or create the database of {}: {}", ds.getJdbcUrl(), e.getMessage());
            }
        }
        return bean;
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
        try (Connection c = DriverManager.getConnection(maintenance, user, password == null ? "" : password)) {
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
