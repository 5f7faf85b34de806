# Interop client for PythonDeflateInteropTest: Debian's python3-websockets, with its own permessage-deflate,
# against the echo route. Usage: python_deflate_client.py PORT. Prints one line per check; exits non-zero on the
# first failure.
import asyncio
import os
import sys

import websockets


async def main(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None, compression="deflate") as ws:
        print("extensions:", ws.response_headers.get("Sec-WebSocket-Extensions"))
        messages = ["héllo wörld " * 50, b"\x00\x01" * 5000, "", "x", os.urandom(1 << 20), "ü" * 300000]
        for m in messages:
            await ws.send(m)
            back = await ws.recv()
            if back != m:
                sys.exit(f"echo differs for a {type(m).__name__} of {len(m)}")
        print("echoes: ok")
        await ws.send(iter(["frag", "men", "ted"]))
        if await ws.recv() != "fragmented":
            sys.exit("fragmented message not reassembled")
        print("fragmented: ok")
        await asyncio.wait_for(await ws.ping(b"abc"), 5)
        print("ping: ok")
        await ws.close(1000, "bye")
        print("close:", ws.close_code)


asyncio.run(main(int(sys.argv[1])))
