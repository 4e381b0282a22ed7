package com.example.notify.observe;

import com.example.notify.failure.Masking;
import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.core.pattern.PatternParser;

/**
 * {@code %notifyMask{pattern}} in a log layout: formats the inner pattern (e.g. {@code %m} or {@code %ex}) and
 * masks it with {@link Masking}, in linear time. It replaces chains of {@code %replace} whose address regex
 * backtracked on long runs of address characters, and it masks what they missed (internationalised, quoted and
 * percent-encoded addresses, address literals, {@code Basic} credentials, URL paths).
 */
@Plugin(name = "NotifyMaskConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"notifyMask"})
public final class MaskingConverter extends LogEventPatternConverter {

    private final List<PatternFormatter> formatters;

    private MaskingConverter(List<PatternFormatter> formatters) {
        super("notifyMask", "notifyMask");
        this.formatters = formatters;
    }

    public static MaskingConverter newInstance(Configuration config, String[] options) {
        if (options == null || options.length != 1) {
            throw new IllegalArgumentException("%notifyMask takes one pattern, e.g. %notifyMask{%m}");
        }
        PatternParser parser = PatternLayout.createPatternParser(config);
        return new MaskingConverter(parser.parse(options[0], false, true));
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        StringBuilder inner = new StringBuilder();
        for (PatternFormatter formatter : formatters) {
            formatter.format(event, inner);
        }
        toAppendTo.append(Masking.mask(inner.toString()));
    }

    @Override
    public boolean handlesThrowable() {
        return formatters.stream().anyMatch(PatternFormatter::handlesThrowable);
    }
}
