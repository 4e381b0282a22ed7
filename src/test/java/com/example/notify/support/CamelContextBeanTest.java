package com.example.notify.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class CamelContextBeanTest {

    static class Bean extends CamelContextBean {
        Optional<String> read(String key) {
            return property(key);
        }
    }

    @Test
    void aPropertyIsResolvedOnceStrippedAndBlankReadsAsAbsent() {
        DefaultCamelContext camel = new DefaultCamelContext();
        Properties props = new Properties();
        props.setProperty("notify.email.type.com.example.welcome.provider", " ses ");
        props.setProperty("notify.email.type.com.example.welcome.from", "  ");
        props.setProperty("greeting", "{{notify.email.type.com.example.welcome.provider}}");
        camel.getPropertiesComponent().setInitialProperties(props);
        Bean bean = new Bean();
        bean.setCamelContext(camel);

        assertThat(bean.read("notify.email.type.com.example.welcome.provider")).contains("ses");
        assertThat(bean.read("greeting")).contains("ses");
        assertThat(bean.read("notify.email.type.com.example.welcome.from")).isEmpty();
        assertThat(bean.read("notify.email.type.com.example.other.provider")).isEmpty();

        // configuration is fixed for the life of the process: a later change is not seen
        camel.getPropertiesComponent().addInitialProperty("notify.email.type.com.example.welcome.provider", "smtp");
        camel.getPropertiesComponent().addInitialProperty("notify.email.type.com.example.other.provider", "smtp");
        assertThat(camel.getPropertiesComponent().resolveProperty("notify.email.type.com.example.other.provider")).contains("smtp");
        assertThat(bean.read("notify.email.type.com.example.welcome.provider")).contains("ses");
        assertThat(bean.read("notify.email.type.com.example.other.provider")).isEmpty();
    }
}
