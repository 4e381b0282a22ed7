package com.example.notify.support;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;

/**
 * Base of the beans declared in routes/ that need the Camel context: to read per-type properties, steer
 * routes, or call a route of their own (a lazily created, shared producer template).
 */
public abstract class CamelContextBean implements CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    protected ProducerTemplate producer() {
        ProducerTemplate p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = camelContext.createProducerTemplate();
                }
                p = producer;
            }
        }
        return p;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
