package dev.ranch.chat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What some chat classes log at INFO and above during one test, although the tests' logback
 * configuration prints only WARN. Register it as an instance field with
 * {@code @RegisterExtension}; it listens from before each test to after it, then puts the
 * levels back.
 */
final class ChatLog implements BeforeEachCallback, AfterEachCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers = new ArrayList<>();
    private final List<Level> levels = new ArrayList<>();

    /** Listens to the loggers of {@code classes}. */
    ChatLog(Class<?>... classes) {
        for (Class<?> c : classes) {
            loggers.add((Logger) LoggerFactory.getLogger(c));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender.start();
        for (Logger logger : loggers) {
            levels.add(logger.getLevel());
            logger.setLevel(Level.INFO);
            // Kept here, not printed: the tests' console shows WARN and above only.
            logger.setAdditive(false);
            logger.addAppender(appender);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (int i = 0; i < loggers.size(); i++) {
            loggers.get(i).detachAppender(appender);
            loggers.get(i).setLevel(levels.get(i));
            loggers.get(i).setAdditive(true);
        }
        levels.clear();
    }

    /** The formatted messages so far at {@code level} exactly, in order. */
    List<String> messages(Level level) {
        synchronized (appender) { // appends hold the appender's lock
            return appender.list.stream().filter(e -> e.getLevel() == level)
                    .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
        }
    }

    /** Whether any message so far, at any level, contains {@code text}. */
    boolean contains(String text) {
        synchronized (appender) {
            return appender.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
        }
    }
}
