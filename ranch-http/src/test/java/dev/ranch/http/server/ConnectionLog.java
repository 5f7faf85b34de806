package dev.ranch.http.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code HttpConnection} logs during one test. Register it as an instance field with
 * {@code @RegisterExtension}; it listens from before each test to after it.
 */
final class ConnectionLog implements BeforeEachCallback, AfterEachCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.ranch.http.internal.server.HttpConnection");

    @Override
    public void beforeEach(ExtensionContext context) {
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.detachAppender(appender);
    }

    /** Every event so far, as a snapshot. */
    List<ILoggingEvent> events() {
        synchronized (appender) {  // appends hold the appender's lock
            return List.copyOf(appender.list);
        }
    }

    /** The formatted messages of the WARN events so far, in order. */
    List<String> warnings() {
        return events().stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }
}
