package de.inboxgateway.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * One PostgreSQL database per test JVM, on the server named by TEST_DB_HOST (default
 * 127.0.0.1:5432, user postgres). The gateway itself creates it at start (DatabaseCreator) and the
 * JVM drops it on exit, so no run depends on what an earlier one left.
 */
public final class TestDatabase {

    public static final String HOST = System.getenv().getOrDefault("TEST_DB_HOST", "127.0.0.1:5432");
    public static final String USER = System.getenv().getOrDefault("TEST_DB_USER", "postgres");
    public static final String PASSWORD = System.getenv().getOrDefault("TEST_DB_PASSWORD", "");
    public static final String NAME = "igw_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::drop, "drop-test-database"));
    }

    private TestDatabase() {
    }

    public static String url() {
        return "jdbc:postgresql://" + HOST + "/" + NAME;
    }

    /**
     * A second database of this JVM, for gateways that must not share the first one's work (a gateway
     * with another media store would take the first one's downloads).
     */
    public static String url(String suffix) {
        return url() + "_" + suffix;
    }

    public static String maintenanceUrl() {
        return "jdbc:postgresql://" + HOST + "/postgres";
    }

    static void drop() {
        try (Connection c = DriverManager.getConnection(maintenanceUrl(), USER, PASSWORD);
             Statement st = c.createStatement()) {
            // this JVM's database and the ones of its own that some gateways get (url(suffix))
            java.util.List<String> names = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery("select datname from pg_database where datname = '" + NAME
                    + "' or datname like '" + NAME + "\\_%'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                st.execute("drop database if exists " + name + " with (force)");
            }
        } catch (SQLException e) {
            System.err.println("could not drop test database " + NAME + ": " + e.getMessage());
        }
    }
}
