package com.example.notify.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class TypeSettingsTest {

    @Test
    void aPropertyIsResolvedOnceStrippedAndBlankReadsAsAbsent() {
        DefaultCamelContext camel = new DefaultCamelContext();
        Properties props = new Properties();
        props.setProperty("notify.email.type.com.example.welcome.provider", " ses ");
        props.setProperty("notify.email.type.com.example.welcome.from", "  ");
        props.setProperty("greeting", "{{notify.email.type.com.example.welcome.provider}}");
        camel.getPropertiesComponent().setInitialProperties(props);
        TypeSettings settings = TypeSettings.of(camel);

        assertThat(settings.get("notify.email.type.com.example.welcome.provider")).contains("ses");
        assertThat(settings.get("greeting")).contains("ses");
        assertThat(settings.get("notify.email.type.com.example.welcome.from")).isEmpty();
        assertThat(settings.get("notify.email.type.com.example.other.provider")).isEmpty();

        // configuration is fixed for the life of the process: a later change is not seen
        camel.getPropertiesComponent().addInitialProperty("notify.email.type.com.example.welcome.provider", "smtp");
        camel.getPropertiesComponent().addInitialProperty("notify.email.type.com.example.other.provider", "smtp");
        assertThat(camel.getPropertiesComponent().resolveProperty("notify.email.type.com.example.other.provider")).contains("smtp");
        assertThat(settings.get("notify.email.type.com.example.welcome.provider")).contains("ses");
        assertThat(settings.get("notify.email.type.com.example.other.provider")).isEmpty();
    }

    @Test
    void fixedValuesAndNoneAnswerWithoutAContext() {
        assertThat(TypeSettings.of(Map.of("a", " x ", "b", " ")).get("a")).contains("x");
        assertThat(TypeSettings.of(Map.of("a", " x ", "b", " ")).get("b")).isEmpty();
        assertThat(TypeSettings.NONE.get("a")).isEmpty();
        assertThat(TypeSettings.of((org.apache.camel.CamelContext) null).get("a")).isEmpty();
    }
}
