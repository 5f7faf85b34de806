#!/usr/bin/env bash
# Zero-downtime restart of the chat server (docs/deploy.md, "Zero-downtime restart").
#
#   scripts/restart.sh RUN_DIR COMMAND...
#
# COMMAND starts one chat server in the foreground and must include --reuse-port, e.g.
#   scripts/restart.sh /var/run/chat java -jar ranch-chat-example.jar --reuse-port
#
# 1. starts COMMAND in the background, its output in RUN_DIR/chat-<pid>.log;
# 2. waits until it logs that both ports listen ("browser chat at"), at most READY_TIMEOUT
#    seconds (default 60); if it exits or is not ready by then, it is killed (after a SIGQUIT
#    that leaves its thread dump in its log), the old server keeps serving, and the script
#    exits 1;
# 3. sends SIGTERM to the old server (RUN_DIR/chat.pid): it stops accepting, says BYE to chat
#    members, answers HTTP requests in progress with "Connection: close", closes idle
#    connections, and exits; the script waits at most DRAIN_TIMEOUT seconds (default 30) and
#    then kills it (exit 2);
# 4. records the new server's pid in RUN_DIR/chat.pid.
# The first run (no running old server) only does 1, 2 and 4. Every wait is bounded and
# event-driven: no sleep decides anything.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 RUN_DIR COMMAND..." >&2
    exit 64
fi
run_dir=$1
shift
ready_timeout=${READY_TIMEOUT:-60}
drain_timeout=${DRAIN_TIMEOUT:-30}
mkdir -p "$run_dir"
pid_file=$run_dir/chat.pid

old_pid=
if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    old_pid=$(cat "$pid_file")
fi

starting_log=$(mktemp "$run_dir/chat-starting.XXXXXX")
# Standard input from /dev/null: the server must not take a terminal or socket by accident.
"$@" </dev/null >"$starting_log" 2>&1 &
new_pid=$!
log=$run_dir/chat-$new_pid.log
mv "$starting_log" "$log"  # same file: the server keeps writing to it

# Readiness: the line the server logs once both of its ports listen. tail --pid ends when the
# server exits, so a server that dies while starting ends the wait at once.
exec {follow}< <(timeout "$ready_timeout" tail -n +1 --pid="$new_pid" -F "$log" 2>/dev/null)
follower=$!
ready=0
grep -q -m1 "browser chat at" <&"$follow" && ready=1
exec {follow}<&-
kill "$follower" 2>/dev/null || true
if [[ $ready == 0 ]]; then
    echo "restart: the new server (pid $new_pid) did not get ready within ${ready_timeout}s; the old one keeps serving" >&2
    # A JVM answers SIGQUIT with a thread dump on its standard output, the log: where a server
    # that never got ready was stuck is the one thing worth keeping from it.
    if kill -QUIT "$new_pid" 2>/dev/null; then
        timeout 5 grep -q -m1 "Full thread dump" <(tail -n +1 --pid="$new_pid" -F "$log" 2>/dev/null) || true
        echo "restart: its thread dump is in $log" >&2
    fi
    tail -n 20 "$log" >&2 || true
    kill -KILL "$new_pid" 2>/dev/null || true
    exit 1
fi
if ! kill -0 "$new_pid" 2>/dev/null; then
    echo "restart: the new server (pid $new_pid) exited while starting; the old one keeps serving" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
fi
echo "restart: new server pid $new_pid ready (log $log)"

if [[ -n $old_pid ]]; then
    kill -TERM "$old_pid"
    # Waits for the old process to exit, however long it is not a child of this shell.
    if ! timeout "$drain_timeout" tail --pid="$old_pid" -f /dev/null; then
        echo "restart: the old server (pid $old_pid) did not exit within ${drain_timeout}s; killing it" >&2
        kill -KILL "$old_pid" 2>/dev/null || true
        echo "$new_pid" >"$pid_file"
        exit 2
    fi
    echo "restart: old server pid $old_pid drained and exited"
fi
echo "$new_pid" >"$pid_file"
