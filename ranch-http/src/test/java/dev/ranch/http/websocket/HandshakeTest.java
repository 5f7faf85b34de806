package dev.ranch.http.websocket;

import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class HandshakeTest {

    private static final String BASE = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n";

    @Test
    void validUpgradeIsAnsweredWithTheAcceptKeyOfRfc6455() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            RawWebSocket.Answer answer = ws.handshake("/ws");
            assertEquals(101, answer.status);
            // RFC 6455 section 1.3's own example key and answer.
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", answer.headers.get("sec-websocket-accept"));
            assertEquals("websocket", answer.headers.get("upgrade").toLowerCase());
            assertEquals("upgrade", answer.headers.get("connection").toLowerCase());
            ws.sendText("hello");
            assertEquals("hello", ws.read().text());
        }
    }

    @Test
    void framesSentInTheSameWriteAsTheRequestReachTheWebSocket() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            byte[] head = RawWebSocket.upgradeRequest("/ws").getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = RawWebSocket.frame(0x81, "early".getBytes(StandardCharsets.UTF_8));
            byte[] both = new byte[head.length + frame.length];
            System.arraycopy(head, 0, both, 0, head.length);
            System.arraycopy(frame, 0, both, head.length, frame.length);
            ws.send(both);
            assertEquals(101, ws.readAnswer().status);
            assertEquals("early", ws.read().text());
        }
    }

    @Test
    void malformedUpgradesGet400AndTheConnectionGoesOnAsHttp() {
        String[] malformed = {
            BASE + "Connection: Upgrade\r\nSec-WebSocket-Key: " + RawWebSocket.KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            BASE + "Upgrade: websocket\r\nSec-WebSocket-Key: " + RawWebSocket.KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            BASE + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
            BASE + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            BASE + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + RawWebSocket.KEY + "\r\n\r\n",
            "GET /ws HTTP/1.0\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    + RawWebSocket.KEY + "\r\nSec-WebSocket-Version: 13\r\nConnection: keep-alive\r\n\r\n",
        };
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS)) {
            for (String request : malformed) {
                try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                    ws.send(request.getBytes(StandardCharsets.ISO_8859_1));
                    assertEquals(400, ws.readAnswer().status, request);
                    ws.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    RawWebSocket.Answer plain = ws.readAnswer();
                    assertEquals(200, plain.status, request);
                    assertEquals("plain", plain.body);
                }
            }
        }
    }

    @Test
    void anotherVersionGets426NamingVersion13() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            ws.send((BASE + "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: "
                    + RawWebSocket.KEY + "\r\nSec-WebSocket-Version: 8\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            RawWebSocket.Answer answer = ws.readAnswer();
            assertEquals(426, answer.status);
            assertEquals("HTTP/1.1 426 Upgrade Required", answer.statusLine);
            assertEquals("13", answer.headers.get("sec-websocket-version"));
        }
    }

    @Test
    void sameOriginRouteRefusesCrossSitePagesWith403AndAcceptsItsOwn() {
        WebSocketOptions options = WebSocketOptions.builder().originPolicy(OriginPolicy.SAME_ORIGIN).build();
        try (WsTestServer server = WsTestServer.echo(options)) {
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(403, ws.handshake("/ws", "Origin: http://evil.example").status);
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(101, ws.handshake("/ws", "Origin: http://127.0.0.1").status);
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(101, ws.handshake("/ws").status, "no Origin: not a browser");
            }
        }
    }

    @Test
    void subprotocolIsTheClientsFirstOneTheRouteSpeaks() {
        WebSocketOptions options = WebSocketOptions.builder().subprotocols(List.of("v1.chat", "v2.chat")).build();
        try (WsTestServer server = WsTestServer.echo(options)) {
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws", "Sec-WebSocket-Protocol: mqtt, v2.chat",
                        "Sec-WebSocket-Protocol: v1.chat");
                assertEquals(101, answer.status);
                assertEquals("v2.chat", answer.headers.get("sec-websocket-protocol"));
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws", "Sec-WebSocket-Protocol: mqtt");
                assertEquals(101, answer.status);
                assertNull(answer.headers.get("sec-websocket-protocol"));
            }
        }
    }

    @Test
    void factoryMayRefuseWithItsStatusOrAddHeaders() {
        Router router = Router.builder().websocket("/ws", (request, handshake) -> {
            if (request.queryParam("token") == null) {
                handshake.refuse(401);
                return null;
            }
            handshake.header("Set-Cookie", "seen=" + request.queryParam("token"));
            return new WebSocketHandler() {};
        }).build();
        try (WsTestServer server = WsTestServer.start(router)) {
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(401, ws.handshake("/ws").status);
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws?token=abc");
                assertEquals(101, answer.status);
                assertEquals("seen=abc", answer.headers.get("set-cookie"));
                assertFalse(answer.headers.containsKey("content-length"));
            }
        }
    }

    @Test
    void upgradePipelinedBehindAPlainRequestIsAnsweredInOrder() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            byte[] plain = "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            byte[] upgrade = RawWebSocket.upgradeRequest("/ws").getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = RawWebSocket.frame(0x82, new byte[] {1, 2, 3});
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.writeBytes(plain);
            all.writeBytes(upgrade);
            all.writeBytes(frame);
            ws.send(all.toByteArray());
            assertEquals("plain", ws.readAnswer().body);
            assertEquals(101, ws.readAnswer().status);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2, 3}, ws.read().payload);
        }
    }

    @Test
    void extraHeaderThatWouldSplitTheResponseIsRefusedAndTheUpgradeFailsWith500() {
        Router router = Router.builder().websocket("/ws", (request, handshake) -> {
            handshake.header("X-Note", "a\r\nSet-Cookie: stolen=1");
            return new WebSocketHandler() {};
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            RawWebSocket.Answer answer = ws.handshake("/ws");
            assertEquals(500, answer.status);
            assertNull(answer.headers.get("set-cookie"));
        }
    }

    @Test
    void upgradeWaitingBehindAnAsyncAnswerIsServedWhenThatAnswerCompletes() {
        java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        Router router = Router.builder()
                .get("/slow", (req, res) -> {
                    res.async();
                    later.schedule(() -> res.send("slow"), 200, java.util.concurrent.TimeUnit.MILLISECONDS);
                })
                .websocket("/ws", (req, hs) -> new WsTestServer.Echo())
                .build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.writeBytes("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            all.writeBytes(RawWebSocket.upgradeRequest("/ws").getBytes(StandardCharsets.ISO_8859_1));
            all.writeBytes(RawWebSocket.frame(0x81, "kept".getBytes(StandardCharsets.UTF_8)));
            ws.send(all.toByteArray());
            assertEquals("slow", ws.readAnswer().body);
            assertEquals(101, ws.readAnswer().status);
            assertEquals("kept", ws.read().text());
            ws.sendText("and after");
            assertEquals("and after", ws.read().text());
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void sameOriginOrAlsoAcceptsTheListedOriginsOnly() {
        WebSocketOptions options = WebSocketOptions.builder()
                .originPolicy(OriginPolicy.sameOriginOr("https://app.example")).build();
        try (WsTestServer server = WsTestServer.echo(options)) {
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(101, ws.handshake("/ws", "Origin: HTTPS://APP.EXAMPLE").status);
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(403, ws.handshake("/ws", "Origin: https://app.example.evil").status);
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                assertEquals(403, ws.handshake("/ws", "Origin: null").status);
            }
        }
    }
}
