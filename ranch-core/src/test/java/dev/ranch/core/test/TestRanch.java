package dev.ranch.core.test;

import dev.ranch.core.Ranch;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Marks a {@link Ranch} field that each test gets fresh: before every test the field holds a
 * new ranch with {@link #eventLoops()} event loops (and JMX as {@link #jmx()} says), and after
 * the test (after its own {@code @AfterEach} methods) that ranch is closed, so no listener,
 * loop or acceptor thread outlives the test that started it. Several fields are filled, and
 * closed, in the order {@link Class#getDeclaredFields()} lists them (declaration order on
 * HotSpot). The field must be neither static nor final.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TestRanch.Extension.class)
public @interface TestRanch {

    /** How many event loops the ranch runs. */
    int eventLoops() default 2;

    /** Whether the ranch registers its listeners as JMX MBeans. */
    boolean jmx() default true;

    /** Fills and closes the fields marked {@link TestRanch}. */
    final class Extension implements BeforeEachCallback, AfterEachCallback {

        private static final ExtensionContext.Namespace NAMESPACE =
                ExtensionContext.Namespace.create(Extension.class);

        @Override
        public void beforeEach(ExtensionContext context) throws IllegalAccessException {
            Object instance = context.getRequiredTestInstance();
            List<Ranch> started = new ArrayList<>();
            context.getStore(NAMESPACE).put(Ranch.class, started);
            for (Class<?> type = instance.getClass(); type != Object.class; type = type.getSuperclass()) {
                for (Field field : type.getDeclaredFields()) {
                    TestRanch marked = field.getAnnotation(TestRanch.class);
                    if (marked == null) {
                        continue;
                    }
                    if (field.getType() != Ranch.class || Modifier.isStatic(field.getModifiers())
                            || Modifier.isFinal(field.getModifiers())) {
                        throw new ExtensionConfigurationException(
                                "@TestRanch goes on a non-static, non-final Ranch field: " + field);
                    }
                    Ranch ranch = Ranch.builder().eventLoops(marked.eventLoops()).jmx(marked.jmx()).build();
                    started.add(ranch);
                    field.setAccessible(true);
                    field.set(instance, ranch);
                }
            }
        }

        @Override
        public void afterEach(ExtensionContext context) {
            @SuppressWarnings("unchecked")
            List<Ranch> started = context.getStore(NAMESPACE).remove(Ranch.class, List.class);
            if (started != null) {
                started.forEach(Ranch::close);
            }
        }
    }
}
