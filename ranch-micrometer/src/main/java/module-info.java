/**
 * ranch-micrometer: binds a ranch-core listener's figures to a Micrometer registry. Start with
 * {@link dev.ranch.micrometer.ListenerMetrics}.
 */
// micrometer-core is an automatic module (no descriptor of its own): javac warns about any
// dependency on one. It is transitive because ListenerMetrics is a MeterBinder.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.ranch.micrometer {
    // ListenerMetrics takes a Listener and is a Micrometer MeterBinder.
    requires transitive dev.ranch.core;
    // micrometer-core's Automatic-Module-Name.
    requires transitive micrometer.core;

    exports dev.ranch.micrometer;
}
