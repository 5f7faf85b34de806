#!/usr/bin/env python3
"""Compares BenchServer modes under h2load (nghttp2): requests per second and server CPU per request.

    python3 benchmarks/scripts/h2load-compare.py [--rounds 5] [--warmup 30] [--duration 10] [--json OUT.json]

Each round starts every mode in turn (ranch-h2c and netty-h2c by default, the order alternating
between rounds so neither always runs first on a warmer machine) as its own JVM from
benchmarks.jar, lets h2load warm it up, then measures one h2load run of --duration seconds:
--clients connections (16) with --streams concurrent streams each (10), hello world at /. The
server's CPU is utime + stime of its JVM from /proc/PID/stat just before and after the measured
run, divided by the requests h2load saw succeed. h2load runs on the same machine (one thread by
default), so its share of the cores is the same for every mode.

Prints one line per run and a table of means with JMH-style 99.9% half-widths over the rounds;
with --json writes the rounds' means in JMH's JSON shape (benchmark dev.ranch.bench.H2load.requests,
param server, primary score req/s, secondary cpu.time.norm in us/op), which chart.py reads like
any JMH result. Linux only (/proc). Standard library only.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

from benchlib import Server, cpu_seconds, java_version, load_average, mean_and_error

FINISHED = re.compile(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s")
REQUESTS = re.compile(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout")
STATUS = re.compile(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")


def h2load(args, port, seconds):
    """One h2load run of `seconds`; its figures, or an exit with its output when it did not run clean."""
    command = [args.h2load, f"-c{args.clients}", f"-m{args.streams}", f"-t{args.threads}", "-D", str(seconds),
               f"http://127.0.0.1:{port}/"]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=seconds + 60)
    finished, requests, status = FINISHED.search(done.stdout), REQUESTS.search(done.stdout), STATUS.search(done.stdout)
    if done.returncode != 0 or not (finished and requests and status):
        sys.exit(f"h2load failed ({' '.join(command)}):\n{done.stdout}")
    succeeded, failed, errored = int(requests.group(4)), int(requests.group(5)), int(requests.group(6))
    non2xx = sum(int(status.group(i)) for i in (2, 3, 4))
    if failed or errored or non2xx:
        sys.exit(f"h2load saw {failed} failed, {errored} errored, {non2xx} non-2xx requests:\n{done.stdout}")
    return {"req_s": float(finished.group(3)), "succeeded": succeeded}


def measure(args, mode):
    server = Server(args.java, args.jvm_arg, args.jar, mode)
    try:
        h2load(args, server.port, args.warmup)
        before = cpu_seconds(server.process.pid)
        run = h2load(args, server.port, args.duration)
        after = cpu_seconds(server.process.pid)
        run["cpu_us"] = (after - before) * 1e6 / run["succeeded"]
        run["cpu_s"] = after - before
        return run
    finally:
        server.stop()


def kind(mode):
    return "ranch" if mode.startswith("ranch") else "netty-nio"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default="benchmarks/target/benchmarks.jar")
    parser.add_argument("--java", default="java")
    parser.add_argument("--jvm-arg", action="append", default=[], help="an option for the server JVMs (repeatable)")
    parser.add_argument("--h2load", default=shutil.which("h2load") or "h2load")
    parser.add_argument("--modes", default="ranch-h2c,netty-h2c")
    parser.add_argument("--clients", type=int, default=16, help="connections (h2load -c)")
    parser.add_argument("--streams", type=int, default=10, help="concurrent streams per connection (h2load -m)")
    parser.add_argument("--threads", type=int, default=1, help="h2load threads (-t)")
    # Netty's HTTP/2 path is long and keeps compiling well past 10 s on a loaded 2-core machine
    # (its CPU per request fell from 9-24 us to 4.5 us between 10 s and 30+ s of warm-up).
    parser.add_argument("--warmup", type=int, default=30, help="seconds of load before each measurement")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the result here, in JMH's JSON shape")
    args = parser.parse_args()
    if platform.system() != "Linux":
        sys.exit("Linux only: the server's CPU time comes from /proc")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B package -DskipTests")
    modes = args.modes.split(",")

    print(f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, load average {load_average()}, "
          f"{os.cpu_count()} CPUs, h2load -c{args.clients} -m{args.streams} -t{args.threads} "
          f"-D {args.duration} (after {args.warmup} s of warm-up)")
    runs = {mode: [] for mode in modes}
    for round_index in range(args.rounds):
        order = modes if round_index % 2 == 0 else list(reversed(modes))
        for mode in order:
            run = measure(args, mode)
            runs[mode].append(run)
            print(f"round {round_index + 1} {mode:<12} {run['req_s']:>12,.0f} req/s  {run['succeeded']:>9,} requests  "
                  f"server CPU {run['cpu_s']:6.2f} s = {run['cpu_us']:6.2f} us/request  load {load_average()}",
                  flush=True)

    print()
    print("| mode | req/s | server CPU us/request |")
    print("| --- | ---: | ---: |")
    summary = {}
    for mode in modes:
        rate, rate_error = mean_and_error([r["req_s"] for r in runs[mode]])
        cpu, cpu_error = mean_and_error([r["cpu_us"] for r in runs[mode]])
        summary[mode] = (rate, rate_error, cpu, cpu_error)
        print(f"| {mode} | {rate:,.0f} ± {rate_error:,.0f} | {cpu:.2f} ± {cpu_error:.2f} |")
    if len(modes) == 2:
        (a, b) = modes
        print(f"\n{a} / {b}: req/s {summary[a][0] / summary[b][0]:.2f}, "
              f"CPU per request {summary[a][2] / summary[b][2]:.2f}; load average now {load_average()}")

    if args.json:
        results = []
        for mode in modes:
            rate, rate_error, cpu, cpu_error = summary[mode]
            results.append({
                "benchmark": "dev.ranch.bench.H2load.requests",
                "mode": "thrpt",
                "jdkVersion": java_version(args.java),
                "vmName": "h2load " + " ".join(f"-c{args.clients} -m{args.streams} -t{args.threads}".split()),
                "params": {"server": kind(mode), "connections": str(args.clients), "streams": str(args.streams)},
                "primaryMetric": {"score": rate, "scoreError": rate_error, "scoreUnit": "req/s",
                                  "rawData": [[r["req_s"] for r in runs[mode]]]},
                "secondaryMetrics": {"cpu.time.norm": {"score": cpu, "scoreError": cpu_error, "scoreUnit": "us/op",
                                                       "rawData": [[r["cpu_us"] for r in runs[mode]]]}},
            })
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, allow_nan=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
