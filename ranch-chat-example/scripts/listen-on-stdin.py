#!/usr/bin/env python3
"""Binds a listening TCP socket and runs a command with it as standard input.

    scripts/listen-on-stdin.py [--host 127.0.0.1] PORT COMMAND...

This is what systemd does for a service with StandardInput=socket (and inetd in "wait" mode):
the server inherits an already listening socket on file descriptor 0, which the JDK returns
from System.inheritedChannel(); the chat serves it with --inherited-socket. Handy to try that
without systemd, and used by the chat's tests. Linux and other Unix systems.
"""
import os
import socket
import sys


def main(argv):
    host = "127.0.0.1"
    if len(argv) >= 2 and argv[0] == "--host":
        host, argv = argv[1], argv[2:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 64
    port, command = int(argv[0]), argv[1:]
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    os.dup2(listener.fileno(), 0)  # the copy on descriptor 0 is inheritable; the original is not
    listener.close()
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
