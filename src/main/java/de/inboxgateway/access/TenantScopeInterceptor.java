package de.inboxgateway.access;

import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.processor.DelegateAsyncProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sets the exchange's tenant ({@link TenantScope#PROPERTY}) on the thread before every step of every
 * route (and clears it where the exchange has none): a bean never sets the scope itself, and a step
 * that runs on another thread (after a provider call, in a seda consumer) still has it. When the
 * exchange completes its thread is cleared, so a pooled thread never carries one exchange's tenant
 * into other work.
 */
public class TenantScopeInterceptor implements InterceptStrategy {

    private static final String CLEANUP = "gateway.tenantScopeCleanup";

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target,
                                                 Processor nextTarget) {
        return new DelegateAsyncProcessor(target) {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                // Set, not set-and-restore: Camel's reactive engine runs the rest of a step (a split's
                // items, the transaction a `transacted` error handler opens before the next step)
                // after this call has returned, on this thread, and it must still see the tenant.
                TenantScope.enter(exchange);
                // Per exchange, not per copy: a split item or a seda copy inherits the properties, and
                // must still clear the thread it ran on.
                if (!exchange.getExchangeId().equals(exchange.getProperty(CLEANUP))) {
                    exchange.setProperty(CLEANUP, exchange.getExchangeId());
                    // …and when the exchange is done, its thread goes back to its pool with no tenant.
                    exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                        @Override
                        public void onDone(Exchange done) {
                            TenantScope.leave();
                        }

                        @Override
                        public boolean allowHandover() {
                            return false; // clear this thread, never the thread of a copy handed on
                        }
                    });
                }
                return super.process(exchange, callback);
            }
        };
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        CamelContextConfiguration tenantScopeInterceptor() {
            return new CamelContextConfiguration() {
                @Override
                public void beforeApplicationStart(CamelContext camelContext) {
                    camelContext.getCamelContextExtension().addInterceptStrategy(new TenantScopeInterceptor());
                }

                @Override
                public void afterApplicationStart(CamelContext camelContext) {
                    // nothing: the strategy applies to every route as it starts
                }
            };
        }
    }
}
