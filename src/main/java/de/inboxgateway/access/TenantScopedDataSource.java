package de.inboxgateway.access;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import de.inboxgateway.access.TenantScope;

/**
 * Hands the thread's tenant to PostgreSQL on every connection taken from the pool, so that
 * row-level security sees it for everything done on that connection (a whole transaction, or one
 * statement outside one).
 */
public class TenantScopedDataSource extends DelegatingDataSource {

    public TenantScopedDataSource(DataSource target) {
        super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return scoped(super.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return scoped(super.getConnection(username, password));
    }

    private static Connection scoped(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("select set_config('gateway.tenant', ?, false)")) {
            ps.setString(1, TenantScope.current());
            ps.execute();
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** Every connection the gateway takes carries the thread's tenant (row-level security). */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Registration {
        @org.springframework.context.annotation.Bean
        static org.springframework.beans.factory.config.BeanPostProcessor tenantScopedDataSource() {
            return new org.springframework.beans.factory.config.BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String beanName) {
                    return bean instanceof com.zaxxer.hikari.HikariDataSource ds && "dataSource".equals(beanName)
                            ? new TenantScopedDataSource(ds) : bean;
                }
            };
        }
    }
}
