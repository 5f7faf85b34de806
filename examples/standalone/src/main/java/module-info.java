/** The standalone example as a module: ranch-http (and, through it, ranch-core) on the module path. */
module dev.ranch.examples.standalone {
    requires dev.ranch.http;
    // The example asks its own server one question with the JDK's HttpClient.
    requires java.net.http;
}
