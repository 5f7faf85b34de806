/**
 * The PROXY protocol, versions 1 (text) and 2 (binary), as HAProxy's proxy-protocol.txt
 * specifies it: a proxy prepends a header naming the original client and server to the bytes
 * of each connection it relays.
 *
 * <p>Pure parsing and encoding, no I/O. {@link dev.ranch.core.proxy.ProxyHeaderDecoder} takes a
 * connection's first bytes in whatever pieces the reads deliver and stops exactly at the end of
 * the header; {@link dev.ranch.core.proxy.ProxyHeader} is the result, and its builders
 * ({@link dev.ranch.core.proxy.ProxyHeader#v1()}, {@link dev.ranch.core.proxy.ProxyHeader#v2()})
 * write headers for clients and tests. {@link dev.ranch.core.proxy.ProxyMode} is the listener
 * option that says whether a header is expected. Every refusal is a
 * {@link dev.ranch.core.proxy.ProxyHeaderException} naming the fault, its byte offset and the
 * section of the specification it breaks.
 */
package dev.ranch.core.proxy;
