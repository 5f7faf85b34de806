#!/usr/bin/env python3
"""Runs ranch and Netty BenchServer modes under a load client and reports what each costs per operation.

Side by side and as a ratio: ops/s, server CPU per op (user and system), and system calls per op
with epoll_wait, read and write broken out, against the floor of one read and one write per
operation (per batch when pipelined).

    python3 benchmarks/scripts/kernel-compare.py [--workloads keepalive,pipeline-1,pipeline-16,pipeline-128,echo]
        [--warmup 15] [--duration 10] [--rounds 3] [--netty-loops 1,2] [--syscalls auto|perf|strace|none]
        [--format markdown|json] [--json OUT.json]

Workloads (the client runs on the same machine as the server, one thread):
  keepalive     wrk -t1 -c100 against BenchServer ranch-http / netty-http: one request in flight per connection
  pipeline-N    wrk -t1 -cN with scripts/pipeline.lua: 16 requests per write per connection (N = 1, 16, 128)
  echo          EchoLoad (benchmarks.jar): 100 connections, one 64-byte message in flight on each

For each workload it starts one server per configuration (ranch at each of --ranch-loops, Netty
at each of --netty-loops), loads each for --warmup seconds, then measures --rounds rounds of
--duration seconds, the servers' order alternating between rounds so neither always runs first
on a warmer machine. Each library is reported at its best loop count (highest mean ops/s): the
client takes a core of its own here, so the best count depends on the workload for both; the
lines on standard error show every configuration and round.

Per measured round, for the server's JVM only (the client is another process):
  CPU       utime and stime of /proc/PID/stat (all threads: loops, GC, compiler) before and after
  syscalls  perf stat with tracepoints (raw_syscalls:sys_enter and syscalls:sys_enter_*), counting only
            while the client runs (perf's control fifo); perf's counting adds a little kernel time per
            system call, to both servers alike (--syscalls none to measure CPU without it).
            Without a working perf: /proc/PID/io syscr/syscw every round, plus one short round
            under `strace -c -f` per server (--strace-seconds) for the breakdown; strace slows the
            server a lot, so its per-op figures are indicative only.
The floor is one read and one write per operation: 2 system calls per op, or 2/16 per request
when 16 come pipelined in one write.

The servers are stopped (SIGTERM, then SIGKILL) when the script ends, however it ends. Standard
library only; Linux only (/proc). Needs wrk for the HTTP workloads (Debian `wrk`) and, for the
system call breakdown, perf (Debian `linux-perf`, with tracefs mounted and
kernel.perf_event_paranoid <= 1 or root) or strace.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import Child, Server, load_average, mean_and_error, process_io, process_stat, utc_now

SCRIPTS = os.path.dirname(os.path.abspath(__file__))

# System calls counted one by one, by group; everything else is counted in the total only.
GROUPS = {
    "epoll_wait": ("epoll_wait", "epoll_pwait", "epoll_pwait2"),
    "read": ("read", "readv", "recvfrom", "recvmsg"),
    "write": ("write", "writev", "sendto", "sendmsg"),
    "futex": ("futex",),
    "epoll_ctl": ("epoll_ctl",),
}


class Workload:
    """One load shape: the BenchServer workload, the client, and how many operations share one write."""

    def __init__(self, name, label, server, batch, client):
        self.name, self.label, self.server, self.batch, self.client = name, label, server, batch, client

    @property
    def floor(self):
        """System calls per operation at the floor: one read and one write per batch."""
        return 2.0 / self.batch


def workloads(args):
    known = {
        "keepalive": Workload("keepalive", f"HTTP keep-alive, wrk -t1 -c{args.connections}", "http", 1,
                              lambda port, seconds: wrk(args, port, seconds, args.connections, None)),
        "echo": Workload("echo", f"echo {args.echo_size} B, {args.echo_connections} connections", "echo", 1,
                         lambda port, seconds: echo_load(args, port, seconds)),
    }
    for connections in (1, 16, 128):
        known[f"pipeline-{connections}"] = Workload(
            f"pipeline-{connections}", f"HTTP pipelined {args.depth}, wrk -t1 -c{connections}", "http", args.depth,
            lambda port, seconds, c=connections: wrk(args, port, seconds, c, args.depth))
    chosen = []
    for name in args.workloads.split(","):
        if name not in known:
            sys.exit(f"unknown workload {name}; known: {', '.join(known)}")
        chosen.append(known[name])
    return chosen


# ---------------------------------------------------------------- load clients

WRK_DONE = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


class Load:
    """A load client: `launch()` starts it, `started()` returns once its measured part begins (at once
    for a client without a ready line, wrk), `finish()` waits for its end and returns (ops, seconds)."""

    def __init__(self, command, ready_line=None):
        self.command = command
        self.ready_line = ready_line
        self.child = None
        self.seen = []

    def launch(self):
        self.child = Child(self.command, grace=5, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def started(self):
        if self.ready_line is None:
            return
        for line in self.child.process.stdout:
            self.seen.append(line)
            if line.strip() == self.ready_line:
                return
        self.fail("ended before it started measuring")

    def output(self, timeout):
        try:
            rest, _ = self.child.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.child.stop()
            self.fail(f"did not end within {timeout} s")
        return "".join(self.seen) + rest

    def fail(self, why, output=None):
        self.child.stop()
        sys.exit(f"load client {why} ({' '.join(self.command)}):\n{output if output is not None else ''.join(self.seen)}")


def wrk(args, port, seconds, connections, depth):
    command = [args.wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if depth:
        command += ["-s", os.path.join(SCRIPTS, "pipeline.lua")]
    command.append(f"http://127.0.0.1:{port}/")
    if depth:
        command += ["--", str(depth)]
    load = Load(command)

    def finish():
        out = load.output(seconds + 60)
        done, errors, non2xx = WRK_DONE.search(out), WRK_ERRORS.search(out), WRK_NON2XX.search(out)
        if load.child.process.returncode != 0 or not done:
            load.fail("failed", out)
        if (errors and any(int(n) for n in errors.groups())) or non2xx:
            load.fail("saw errors or non-2xx responses", out)
        return int(done.group(1)), float(done.group(2)) * UNIT[done.group(3)]

    load.finish = finish
    return load


ECHO_DONE = re.compile(r"round-trips (\d+) seconds ([\d.]+)")


def echo_load(args, port, seconds):
    command = [args.java] + args.client_jvm_arg + ["-cp", args.cp, "dev.ranch.bench.client.EchoLoad", str(port),
                                                   "--connections", str(args.echo_connections),
                                                   "--size", str(args.echo_size), "--seconds", str(seconds)]
    load = Load(command, ready_line="measuring")

    def finish():
        out = load.output(seconds + 60)
        done = ECHO_DONE.search(out)
        if load.child.process.returncode != 0 or not done:
            load.fail("failed", out)
        return int(done.group(1)), float(done.group(2))

    load.finish = finish
    return load


# ---------------------------------------------------------------- system call counters

def tracepoints():
    """The syscalls:sys_enter_* tracepoints this kernel has, among those named in GROUPS."""
    for root in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        events = os.path.join(root, "events", "syscalls")
        if os.path.isdir(events):
            return [name for names in GROUPS.values() for name in names
                    if os.path.isdir(os.path.join(events, f"sys_enter_{name}"))]
    return []


def perf_works(perf):
    """None when perf can count syscall tracepoints here, else why not."""
    if not perf:
        return "perf is not installed (Debian linux-perf)"
    if not tracepoints():
        return "no syscall tracepoints (tracefs not mounted at /sys/kernel/tracing?)"
    done = subprocess.run([perf, "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0 or "not counted" in done.stdout or "not supported" in done.stdout:
        return f"perf stat cannot count raw_syscalls:sys_enter: {done.stdout.strip()[-300:]}"
    return None


class PerfCounter:
    """perf stat attached to the server, counting only between start() and stop() (its control fifo)."""

    def __init__(self, perf, pid, scratch):
        self.out = os.path.join(scratch, f"perf-{pid}.csv")
        ctl, ack = os.path.join(scratch, f"ctl-{pid}"), os.path.join(scratch, f"ack-{pid}")
        for fifo in (ctl, ack):
            if os.path.exists(fifo):
                os.unlink(fifo)
            os.mkfifo(fifo)
        events = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{name}" for name in tracepoints()]
        self.child = Child([perf, "stat", "-x,", "-o", self.out, "-D", "-1", "--control", f"fifo:{ctl},{ack}",
                            "-e", ",".join(events), "-p", str(pid)], grace=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # perf opens its ends of the fifos once it is attached; until then a non-blocking open for
        # writing fails (ENXIO), and a perf that failed to start must not leave the script waiting.
        deadline = time.monotonic() + 60
        while True:
            try:
                fd = os.open(ctl, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                if not self.child.alive() or time.monotonic() > deadline:
                    self.child.stop()
                    sys.exit(f"perf stat did not start: {self.child.process.stderr.read()}")
                time.sleep(0.05)
        os.set_blocking(fd, True)
        self.ctl = os.fdopen(fd, "w", encoding="ascii")
        self.ack = open(ack, "r", encoding="ascii")

    def _command(self, word):
        self.ctl.write(word + "\n")
        self.ctl.flush()
        # perf writes "ack\n" with its terminating NUL, which the next line then starts with.
        if self.ack.readline().strip("\0 \n") != "ack":
            raise RuntimeError(f"perf did not acknowledge {word}")

    def start(self):
        self._command("enable")

    def stop(self):
        """Stops counting and perf; the count per system call name ("total" for all)."""
        self._command("disable")
        self.ctl.close()
        self.ack.close()
        self.child.stop(sig=2)  # SIGINT: perf writes its counts and exits
        counts = {}
        with open(self.out, encoding="ascii") as f:
            for line in f:
                fields = line.split(",")
                if len(fields) < 3 or not fields[0].strip().isdigit():
                    continue
                event = fields[2]
                name = "total" if event == "raw_syscalls:sys_enter" else event.split("sys_enter_")[-1]
                counts[name] = int(fields[0])
        if "total" not in counts:
            raise RuntimeError(f"perf counted nothing; its output: {open(self.out, encoding='ascii').read()}")
        return counts


STRACE_ROW = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$")


class StraceCounter:
    """strace -c -f attached to every thread of the server; slow, so used for one short round only."""

    def __init__(self, strace, pid, scratch):
        self.out = os.path.join(scratch, f"strace-{pid}.txt")
        self.child = Child([strace, "-c", "-f", "-o", self.out, "-p", str(pid)], grace=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = []
        for line in self.child.process.stderr:  # "strace: Process N attached with M threads"
            if "attached" in line:
                break
            seen.append(line)
        else:
            sys.exit(f"strace did not attach to {pid}: {''.join(seen)}")

    def start(self):
        pass

    def stop(self):
        self.child.stop(sig=2)
        counts = {"total": 0}
        with open(self.out, encoding="ascii") as f:
            for line in f:
                match = STRACE_ROW.match(line)
                if match and match.group(2) != "total":
                    counts[match.group(2)] = int(match.group(1))
                    counts["total"] += int(match.group(1))
        return counts


# ---------------------------------------------------------------- measuring

def measure(server, workload, seconds, counter_factory=None):
    """One measured run of the workload's client against `server`: its figures per operation."""
    counter = counter_factory(server.pid) if counter_factory else None
    load = workload.client(server.port, seconds)
    # A client that says when it measures (EchoLoad, after its JVM started and connected) starts
    # first; wrk measures from its start, so counting starts before it, lest a slow enable on a
    # loaded machine miss its first requests.
    if load.ready_line:
        load.launch()
        load.started()
    stat0, io0 = process_stat(server.pid), process_io(server.pid)
    if counter:
        counter.start()
    if not load.ready_line:
        load.launch()
    ops, elapsed = load.finish()
    calls = counter.stop() if counter else None
    stat1, io1 = process_stat(server.pid), process_io(server.pid)
    if not server.alive():
        sys.exit(f"{server.mode} died during the run")
    if ops <= 0:
        sys.exit(f"{server.mode}: no operation completed in {elapsed:.1f} s")
    run = {
        "ops": ops, "seconds": elapsed, "ops_s": ops / elapsed,
        "user_us": (stat1[0] - stat0[0]) * 1e6 / ops, "sys_us": (stat1[1] - stat0[1]) * 1e6 / ops,
        "syscr": (io1[0] - io0[0]) / ops, "syscw": (io1[1] - io0[1]) / ops,
    }
    run["cpu_us"] = run["user_us"] + run["sys_us"]
    if calls:
        run.update(per_op(calls, ops))
    return run


def per_op(calls, ops):
    figures = {"syscalls": calls["total"] / ops}
    named = 0
    for group, names in GROUPS.items():
        count = sum(calls.get(name, 0) for name in names)
        figures[group] = count / ops
        named += count
    figures["other"] = (calls["total"] - named) / ops
    return figures


class Config:
    """One server configuration of a workload, with its rounds."""

    def __init__(self, kind, loops):
        self.kind, self.loops = kind, loops
        self.rounds = []
        self.strace = None
        self.server = None

    @property
    def label(self):
        name = "ranch" if self.kind == "ranch" else "Netty NIO"
        return f"{name} ({self.loops_label})"

    @property
    def loops_label(self):
        if self.loops is None:  # BenchServer's default: one loop per available processor
            return f"{os.cpu_count()} loops, default"
        return f"{self.loops} loop{'s' if self.loops != 1 else ''}"

    def mean(self, key):
        values = [r[key] for r in self.rounds if key in r]
        if not values and self.strace and key in self.strace:
            return self.strace[key], float("nan")
        return mean_and_error(values) if values else (float("nan"), float("nan"))


def run_workload(args, workload, syscalls, scratch):
    configs = [Config("ranch", loops) for loops in args.ranch_loops] + \
              [Config("netty", loops) for loops in args.netty_loops]
    try:
        for config in configs:
            extra = ["--loops", str(config.loops)] if config.loops else []
            config.server = Server(args.java, args.jvm_arg, args.cp, f"{config.kind}-{workload.server}", extra)
        for config in configs:
            if args.warmup > 0:
                log(f"{workload.name}: warming {config.label} for {args.warmup} s")
                load = workload.client(config.server.port, args.warmup)
                load.launch()
                load.started()
                load.finish()
        counter = None
        if syscalls == "perf":
            counter = lambda pid: PerfCounter(args.perf, pid, scratch)
        for index in range(args.rounds):
            order = configs if index % 2 == 0 else list(reversed(configs))
            for config in order:
                run = measure(config.server, workload, args.duration, counter)
                config.rounds.append(run)
                log(f"{workload.name} round {index + 1} {config.label:<24} {describe(run)}  load {load_average()}")
        if syscalls == "strace":
            for config in configs:
                run = measure(config.server, workload, args.strace_seconds,
                              lambda pid: StraceCounter(args.strace, pid, scratch))
                config.strace = {k: run[k] for k in ("syscalls", *GROUPS, "other")}
                log(f"{workload.name} strace {config.label:<24} {describe(run)} (slowed by strace)")
    finally:
        for config in configs:
            if config.server:
                config.server.stop()
    ranch = max((c for c in configs if c.kind == "ranch"), key=lambda c: c.mean("ops_s")[0])
    netty = max((c for c in configs if c.kind == "netty"), key=lambda c: c.mean("ops_s")[0])
    return {"workload": workload, "ranch": ranch, "netty": netty, "configs": configs}


def describe(run):
    text = (f"{run['ops_s']:>11,.0f} ops/s  CPU {run['user_us']:.2f} user + {run['sys_us']:.2f} sys us/op  "
            f"syscr {run['syscr']:.2f} syscw {run['syscw']:.2f} /op")
    if "syscalls" in run:
        text += (f"  syscalls {run['syscalls']:.2f}/op (epoll_wait {run['epoll_wait']:.3f}, read {run['read']:.2f}, "
                 f"write {run['write']:.2f}, futex {run['futex']:.3f}, other {run['other']:.3f})")
    return text


def log(line):
    print(line, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- output

def number(value, digits=2):
    if value != value:  # NaN
        return "-"
    return f"{value:,.{digits}f}"


def with_error(value, error, digits):
    return number(value, digits) + ("" if error != error else f" ± {number(error, digits)}")


def ratio(a, b):
    return a / b if b and a == a and b == b else float("nan")


def markdown(results, header, syscalls):
    source = {"perf": "perf stat tracepoints", "strace": "strace -c on a short extra round",
              "none": "not counted"}[syscalls]
    lines = [header, "",
             "| workload | server | ops/s | CPU µs/op user | sys | total | syscalls/op | epoll_wait | read | write "
             "| other | × floor |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for result in results:
        workload = result["workload"]
        sides = (result["ranch"], result["netty"])
        for index, config in enumerate(sides):
            ops, ops_error = config.mean("ops_s")
            cpu, cpu_error = config.mean("cpu_us")
            calls = config.mean("syscalls")[0]
            first = f"{workload.label} (floor {workload.floor:.3g}/op)" if index == 0 else ""
            lines.append(f"| {first} | {config.label} | {with_error(ops, ops_error, 0)} "
                         f"| {number(config.mean('user_us')[0])} | {number(config.mean('sys_us')[0])} "
                         f"| {with_error(cpu, cpu_error, 2)} | {number(calls)} "
                         f"| {number(config.mean('epoll_wait')[0], 3)} | {number(config.mean('read')[0])} "
                         f"| {number(config.mean('write')[0])} | {number(config.mean('other')[0], 3)} "
                         f"| {number(calls / workload.floor if calls == calls else float('nan'))} |")
        ranch, netty = sides
        cells = [ratio(ranch.mean(key)[0], netty.mean(key)[0])
                 for key in ("ops_s", "user_us", "sys_us", "cpu_us", "syscalls", "epoll_wait", "read", "write")]
        lines.append("| | **ranch / Netty** | **" + number(cells[0]) + "x** | "
                     + " | ".join(number(c) + "x" if c == c else "-" for c in cells[1:4]) + " | "
                     + " | ".join(number(c) + "x" if c == c else "-" for c in cells[4:]) + " | | |")
    lines += ["", f"ops/s and CPU: mean ± 99.9% half-width over the rounds; CPU is the server JVM's utime and "
                  f"stime (/proc/PID/stat) per operation; system calls per operation by {source}; "
                  f"× floor: system calls per op over the floor of one read and one write per operation "
                  f"(per write of the client's batch when pipelined). Each library at its best loop count by ops/s "
                  f"(ranch: {tried(results, 'ranch')} loops tried; Netty: {tried(results, 'netty')} worker loops, "
                  f"its acceptor loop extra)."]
    return "\n".join(lines)


def server_name(config, best):
    """The JSON's server parameter: "ranch" for ranch's best loop count, otherwise with the count."""
    if config.kind == "ranch":
        return "ranch" if best else f"ranch, {config.loops_label}"
    return f"netty-nio, {config.loops_label}"


def tried(results, kind):
    """The loop counts tried for one library, as prose: '1 and 2', or 'the default'."""
    counts = sorted({c.loops for r in results for c in r["configs"] if c.kind == kind},
                    key=lambda l: -1 if l is None else l)
    return " and ".join("the default" if l is None else str(l) for l in counts)


def jmh_json(results, args):
    """Every configuration in JMH's JSON shape (benchmark dev.ranch.bench.Kernel.<workload>), as h2load-compare writes."""
    entries = []
    java = benchlib.java_version(args.java)
    for result in results:
        workload = result["workload"]
        for config in result["configs"]:
            best = config is result["ranch"] or config is result["netty"]
            ops, ops_error = config.mean("ops_s")
            secondary = {}
            for key, metric in (("cpu_us", "cpu.time.norm"), ("user_us", "cpu.user.norm"), ("sys_us", "cpu.sys.norm")):
                score, error = config.mean(key)
                secondary[metric] = {"score": score, "scoreError": error, "scoreUnit": "us/op",
                                     "rawData": [[r[key] for r in config.rounds]]}
            for key in ("syscalls", *GROUPS, "other", "syscr", "syscw"):
                score, error = config.mean(key)
                if score == score:
                    secondary[f"syscalls.{key}.norm" if key not in ("syscalls",) else "syscalls.norm"] = {
                        "score": score, "scoreError": error, "scoreUnit": "calls/op"}
            entries.append({
                "benchmark": f"dev.ranch.bench.Kernel.{workload.name.replace('-', '_')}",
                "mode": "thrpt",
                "jdkVersion": java,
                "vmName": workload.label,
                # chart.py pairs "ranch" (its best loop count) with every Netty server value, one per
                # loop count; ranch's other loop counts are named apart, and chart.py leaves them out.
                "params": {"server": server_name(config, best),
                           "floor": f"{workload.floor:.4g}"},
                "loops": "default" if config.loops is None else config.loops,
                "best": best,
                "primaryMetric": {"score": ops, "scoreError": ops_error, "scoreUnit": "ops/s",
                                  "rawData": [[r["ops_s"] for r in config.rounds]]},
                "secondaryMetrics": secondary,
            })
    return entries


def git_commit():
    done = subprocess.run(["git", "-C", SCRIPTS, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    return done.stdout.strip() or "?"


def loops(text):
    return [None if part in ("", "default") else int(part) for part in text.split(",")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    default_jar = os.path.join(SCRIPTS, os.pardir, "target", "benchmarks.jar")
    parser.add_argument("--cp", default=os.path.normpath(default_jar),
                        help="class path of the servers and the echo client (default: benchmarks.jar)")
    parser.add_argument("--java", default="java")
    parser.add_argument("--jvm-arg", action="append", default=[], help="an option for the server JVMs (repeatable)")
    parser.add_argument("--client-jvm-arg", action="append", default=[], help="an option for the echo client JVM")
    parser.add_argument("--workloads", default="keepalive,pipeline-1,pipeline-16,pipeline-128,echo",
                        help="comma-separated, from the list below")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load per server before measuring")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per server")
    parser.add_argument("--connections", type=int, default=100, help="keep-alive connections (wrk -c)")
    parser.add_argument("--depth", type=int, default=16, help="requests per pipelined write")
    parser.add_argument("--echo-connections", type=int, default=100)
    parser.add_argument("--echo-size", type=int, default=64)
    parser.add_argument("--ranch-loops", type=loops, default=[1, 2],
                        help="ranch's loop counts to try, comma-separated ('default': BenchServer's default)")
    parser.add_argument("--netty-loops", type=loops, default=[1, 2], help="Netty worker loop counts to try")
    parser.add_argument("--syscalls", choices=("auto", "perf", "strace", "none"), default="auto")
    parser.add_argument("--strace-seconds", type=int, default=3)
    parser.add_argument("--wrk", default=shutil.which("wrk"))
    parser.add_argument("--perf", default=shutil.which("perf"))
    parser.add_argument("--strace", default=shutil.which("strace"))
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="what goes to stdout")
    parser.add_argument("--json", help="also write the JSON (JMH's shape) to this file")
    args = parser.parse_args()
    if platform.system() != "Linux":
        sys.exit("Linux only: the figures come from /proc and perf")
    if not os.path.exists(args.cp.split(os.pathsep)[0]):
        sys.exit(f"{args.cp} is missing: mvn -B package -DskipTests, or pass --cp")
    if args.rounds < 1 or args.duration < 1 or args.warmup < 0:
        sys.exit("--rounds and --duration must be at least 1, --warmup at least 0")
    chosen = workloads(args)
    if any(w.server == "http" for w in chosen) and not args.wrk:
        sys.exit("wrk is missing (Debian: apt-get install wrk)")

    syscalls = args.syscalls
    why_not_perf = perf_works(args.perf) if syscalls in ("auto", "perf") else None
    if syscalls == "perf" and why_not_perf:
        sys.exit(why_not_perf)
    if syscalls == "auto":
        syscalls = "perf" if not why_not_perf else ("strace" if args.strace else "none")
        if why_not_perf:
            log(f"no perf ({why_not_perf}); system calls by {syscalls}")
    if syscalls == "strace" and not args.strace:
        sys.exit("strace is missing (Debian: apt-get install strace)")

    configs = len(args.ranch_loops) + len(args.netty_loops)
    estimate = len(chosen) * configs * (args.warmup + args.rounds * args.duration
                                        + (args.strace_seconds if syscalls == "strace" else 0))
    header = (f"{utc_now()}, ranch at {git_commit()}, load average {load_average()} at the start, "
              f"{os.cpu_count()} CPUs, Linux {platform.release()}, Java {benchlib.java_version(args.java)}; "
              f"{args.rounds} rounds of {args.duration} s after {args.warmup} s of warm-up, client and server "
              f"on the same machine")
    log(f"{header}; about {estimate // 60} min {estimate % 60} s of load")

    results = []
    with tempfile.TemporaryDirectory(prefix="kernel-compare-") as scratch:
        for workload in chosen:
            results.append(run_workload(args, workload, syscalls, scratch))
    header += f"; load average {load_average()} at the end"
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(jmh_json(results, args), f, indent=2)
            f.write("\n")
    if args.format == "json":
        json.dump(jmh_json(results, args), sys.stdout, indent=2)
        print()
    else:
        print(markdown(results, header, syscalls))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
