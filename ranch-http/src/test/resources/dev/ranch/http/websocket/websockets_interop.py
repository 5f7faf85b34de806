"""Talks to a ranch-http WebSocket echo route with Debian's python3-websockets (10.x).

Usage: /usr/bin/python3 websockets_interop.py ws://127.0.0.1:PORT/echo
Prints "PASS <check>" for every check that held; exits 1 with a traceback on the first that did not.
The route echoes every message, and answers the text "ping me" by pinging the client with the payload
"from ranch" and then sending the text "pong:" + the payload of the pong it got back.
"""
import asyncio
import sys

import websockets


async def expect(ws, sent, what):
    await ws.send(sent)
    got = await asyncio.wait_for(ws.recv(), 10)
    assert type(got) is type(sent), "%s: sent %s, got %s" % (what, type(sent).__name__, type(got).__name__)
    assert got == sent, "%s: echo differs (%d bytes sent, %d got)" % (what, len(sent), len(got))
    print("PASS", what, flush=True)


async def main(url):
    async with websockets.connect(url, max_size=None, compression=None, ping_interval=None, open_timeout=10,
                                  close_timeout=10) as ws:
        extensions = ws.response_headers.get("Sec-WebSocket-Extensions")
        assert extensions is None, "negotiated %r without offering it" % extensions
        print("PASS no extension negotiated", flush=True)
        await expect(ws, "h\u00e9llo w\u00f6rld \u2014 \u2713 \U0001d11e \u65e5\u672c\u8a9e", "non-ascii text")
        await expect(ws, bytes(range(256)), "binary")
        await expect(ws, "", "empty text")
        await expect(ws, b"", "empty binary")

        await ws.send(["frag", "ment", "\u00e9d"])
        got = await asyncio.wait_for(ws.recv(), 10)
        assert got == "fragment\u00e9d", "fragmented text echoed as %r" % got
        print("PASS fragmented text", flush=True)

        await ws.send([b"\x00\x01", b"", b"\x02\xff"])
        got = await asyncio.wait_for(ws.recv(), 10)
        assert got == b"\x00\x01\x02\xff", "fragmented binary echoed as %r" % got
        print("PASS fragmented binary", flush=True)

        await expect(ws, bytes(i % 251 for i in range(1 << 20)), "1 MiB binary")
        await expect(ws, "\u00e9" * (1 << 19), "1 MiB text")

        pong_waiter = await ws.ping(b"from python")
        await asyncio.wait_for(pong_waiter, 10)
        print("PASS client ping answered by pong", flush=True)

        await ws.send("ping me")
        got = await asyncio.wait_for(ws.recv(), 10)
        assert got == "pong:from ranch", "server ping round trip gave %r" % got
        print("PASS server ping answered by pong", flush=True)

        await ws.close(1000, "done")
        assert ws.close_code == 1000, "server closed with %r %r" % (ws.close_code, ws.close_reason)
        print("PASS clean close 1000", flush=True)


asyncio.run(main(sys.argv[1]))
