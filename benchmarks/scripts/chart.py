#!/usr/bin/env python3
"""Turns a JMH JSON result file (-rf json) into the README's table and an SVG chart.

    python3 benchmarks/scripts/chart.py RESULT.json [MORE.json ...] [--svg OUT.svg]

Rows pair the results that differ only in the `server` parameter; the ratio is ranch over
each Netty kind, with an error propagated from JMH's 99.9% confidence half-widths. For
IdleMemoryBenchmark the figure is the secondary result heapBytesPerConnection (lower is
better); for ChatFanOutBenchmark the primary score, a time (lower is better); for the others
the primary score (higher is better). When the results carry cpu.time.norm (from
-prof dev.ranch.bench.CpuTimeProfiler) the table adds CPU per operation and its ratio (lower is
better); when they carry its user/system split and system call counts (cpu.user.norm,
cpu.sys.norm, syscalls.read.norm + syscalls.write.norm, or syscalls.norm and
syscalls.epoll_wait.norm from perf), columns for those too. Several result files are read as
one. Standard library only.
"""
import argparse
import json
import math
import sys
from xml.sax.saxutils import escape

FIGURE = {  # benchmark short name -> (secondary metric or None, label, higher is better)
    "EchoBenchmark.echo": (None, "TCP echo", True),
    "ConnectionRateBenchmark.connectEchoClose": (None, "connect, echo, close", True),
    "IdleMemoryBenchmark.idleConnections": ("heapBytesPerConnection", "heap per idle connection", False),
    "HttpBenchmark.requests": (None, "HTTP hello world", True),
    "HttpParseBenchmark.parse": (None, "HTTP request parsing", True),
    "ChatFanOutBenchmark.fanOut": (None, "chat fan-out, time until all have it", False),
    "TlsEchoBenchmark.echo": (None, "TLS 1.3 echo", True),
    "HttpsBenchmark.requests": (None, "HTTPS hello world, keep-alive", True),
    "WebSocketEchoBenchmark.echo": (None, "WebSocket text echo", True),
    # Not JMH: scripts/h2load-compare.py and kernel-compare.py write their results in the same shape.
    "H2load.requests": (None, "HTTP/2 hello world, h2c, h2load", True),
    "Kernel.keepalive": (None, "HTTP keep-alive, wrk, server process", True),
    "Kernel.pipeline_1": (None, "HTTP pipelined 16, wrk -c1, server process", True),
    "Kernel.pipeline_16": (None, "HTTP pipelined 16, wrk -c16, server process", True),
    "Kernel.pipeline_128": (None, "HTTP pipelined 16, wrk -c128, server process", True),
    "Kernel.echo": (None, "TCP echo 64 B, EchoLoad, server process", True),
}


COSTS = {"user": "cpu.user.norm", "sys": "cpu.sys.norm", "calls": "syscalls.norm",
         "epoll": "syscalls.epoll_wait.norm", "reads": "syscalls.read.norm", "writes": "syscalls.write.norm"}


def number(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value


def short(benchmark):
    return ".".join(benchmark.split(".")[-2:])


def rows(results):
    """Yields one dict per (benchmark, params without server): figures by server kind."""
    groups = {}
    for r in results:
        name = short(r["benchmark"])
        secondary, label, higher = FIGURE.get(name, (None, name, True))
        params = dict(r.get("params", {}))
        server = params.pop("server", "?")
        metric = r["secondaryMetrics"][secondary] if secondary else r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        cpu = r.get("secondaryMetrics", {}).get("cpu.time.norm")
        key = (name, tuple(sorted(params.items())))
        group = groups.setdefault(key, {"name": name, "label": label, "higher": higher,
                                        "params": params, "servers": {}})
        group["servers"][server] = {
            "score": number(metric["score"]),
            "error": number(metric.get("scoreError")),
            "unit": metric.get("scoreUnit", ""),
            # bytes allocated per operation; meaningless when the figure is not the operation's
            "alloc": number(alloc["score"]) if alloc and not secondary else float("nan"),
            # CPU microseconds per operation (-prof dev.ranch.bench.CpuTimeProfiler), with its error
            "cpu": number(cpu["score"]) if cpu and not secondary else float("nan"),
            "cpu_error": number(cpu.get("scoreError")) if cpu and not secondary else float("nan"),
            # per operation: CPU user and system, system calls (all; read+write; epoll_wait); NaN when absent
            **{key: number(r.get("secondaryMetrics", {}).get(metric, {}).get("score"))
               if not secondary else float("nan") for key, metric in COSTS.items()},
        }
        reads, writes = group["servers"][server]["reads"], group["servers"][server]["writes"]
        group["servers"][server]["rw"] = reads + writes
    for key in sorted(groups):
        yield groups[key]


def ratio(a, b):
    if not b["score"]:
        return float("nan"), float("nan")
    r = a["score"] / b["score"]
    if math.isnan(a["error"]) and math.isnan(b["error"]):
        return r, float("nan")
    rel = 0.0
    for x in (a, b):
        if not math.isnan(x["error"]) and x["score"]:
            rel += (x["error"] / x["score"]) ** 2
    return r, r * math.sqrt(rel)


def fmt(x, digits=0):
    if math.isnan(x):
        return "n/a"
    return f"{x:,.{digits}f}"


def describe(group):
    params = ", ".join(f"{k}={v}" for k, v in sorted(group["params"].items()))
    return group["label"] + (f" ({params})" if params else "")


def table(groups):
    # The CPU column only when some result has it, so older result files keep their table.
    with_cpu = any(not math.isnan(s["cpu"]) for g in groups for s in g["servers"].values())
    # The same for each of the other costs: a column only when some result has it.
    extra = [(key, title) for key, title in (("user", "CPU user us/op"), ("sys", "CPU sys us/op"),
                                             ("calls", "syscalls/op"), ("epoll", "epoll_wait/op"),
                                             ("rw", "read+write calls/op"))
             if any(not math.isnan(s[key]) for g in groups for s in g["servers"].values())]
    out = ["| pair | ranch | Netty | kind | ratio ranch/Netty | alloc B/op ranch / Netty |"
           + (" CPU us/op ranch / Netty | CPU ratio ranch/Netty |" if with_cpu else "")
           + "".join(f" {title} ranch / Netty |" for _, title in extra),
           "| --- | ---: | ---: | --- | ---: | ---: |" + (" ---: | ---: |" if with_cpu else "")
           + " ---: |" * len(extra)]
    for g in groups:
        ranch = g["servers"].get("ranch")
        if not ranch:
            continue
        for kind, netty in sorted(g["servers"].items()):
            if kind.startswith("ranch"):
                continue
            r, e = ratio(ranch, netty)
            unit = ranch["unit"]
            better = "higher is better" if g["higher"] else "lower is better"
            out.append(
                f"| {describe(g)}, {better} | {fmt(ranch['score'])} ± {fmt(ranch['error'])} {unit} "
                f"| {fmt(netty['score'])} ± {fmt(netty['error'])} {unit} | {kind} "
                f"| **{fmt(r, 2)}** ± {fmt(e, 2)} | {fmt(ranch['alloc'])} / {fmt(netty['alloc'])} |"
                + (cpu_cells(ranch, netty) if with_cpu else "")
                + "".join(f" {fmt(ranch[key], 2)} / {fmt(netty[key], 2)} |" for key, _ in extra))
    return "\n".join(out)


def cpu_cells(ranch, netty):
    """CPU per operation of both sides and their ratio (lower is better), with errors."""
    r, e = ratio({"score": ranch["cpu"], "error": ranch["cpu_error"]},
                 {"score": netty["cpu"], "error": netty["cpu_error"]})
    return (f" {fmt(ranch['cpu'], 1)} / {fmt(netty['cpu'], 1)} "
            f"| {fmt(r, 2)} ± {fmt(e, 2)} |")


def svg(groups, title):
    bars = []
    for g in groups:
        ranch = g["servers"].get("ranch")
        if not ranch:
            continue
        for kind, netty in sorted(g["servers"].items()):
            if not kind.startswith("ranch"):
                r, e = ratio(ranch, netty)
                good = (r >= 1) == g["higher"]
                better = "higher is better" if g["higher"] else "lower is better"
                bars.append((f"{describe(g)} vs {kind}", better, r, e, good))
    left, width, row, top = 450, 420, 34, 60
    # The scale follows the ratios, not their errors: on a loaded machine an error can be ten
    # times its ratio, and would squeeze every bar. Error lines are clipped at the edge.
    scale_max = max([2.0] + [1.25 * r for _, _, r, _, _ in bars if not math.isnan(r)])
    scale_max = math.ceil(scale_max * 2) / 2
    height = top + row * len(bars) + 50
    x = lambda v: left + width * v / scale_max
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="100%" height="100%" fill="white"/>',
             f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
             f'<text x="10" y="42" fill="#555">ratio ranch / Netty, JMH 99.9% error; green: ranch ahead, red: behind</text>']
    step = 0.5
    v = 0.0
    while v <= scale_max + 1e-9:
        parts.append(f'<line x1="{x(v):.1f}" y1="{top - 5}" x2="{x(v):.1f}" y2="{height - 40}" '
                     f'stroke="{"#000" if v == 1 else "#ddd"}" stroke-width="{2 if v == 1 else 1}"/>')
        parts.append(f'<text x="{x(v):.1f}" y="{height - 25}" text-anchor="middle">{v:.1f}</text>')
        v += step
    for i, (label, better, r, e, good) in enumerate(bars):
        y = top + i * row
        parts.append(f'<text x="{left - 8}" y="{y + 12}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<text x="{left - 8}" y="{y + 25}" text-anchor="end" fill="#777" font-size="10">'
                     f'{escape(better)}</text>')
        if math.isnan(r):
            continue
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{x(r) - left:.1f}" height="{row - 12}" '
                     f'fill="{"#4a9d5b" if good else "#c85a4a"}"/>')
        if not math.isnan(e):
            parts.append(f'<line x1="{x(max(r - e, 0)):.1f}" y1="{y + 4 + (row - 12) / 2}" '
                         f'x2="{x(min(r + e, scale_max)):.1f}" y2="{y + 4 + (row - 12) / 2}" stroke="black"/>')
        label = f"{r:.2f}" if math.isnan(e) else f"{r:.2f} ± {e:.2f}"
        parts.append(f'<text x="{x(r) + 6:.1f}" y="{y + 17}">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", nargs="+", help="JMH JSON result files")
    parser.add_argument("--svg", help="write the chart here")
    parser.add_argument("--title", default="ranch vs Netty", help="chart title")
    args = parser.parse_args()
    results = []
    for name in args.result:
        with open(name, encoding="utf-8") as f:
            results.extend(json.load(f))
    groups = list(rows(results))
    if results:
        print(f"JDK {results[0].get('jdkVersion', '?')}, {results[0].get('vmName', '')}")
    print(table(groups))
    if args.svg:
        with open(args.svg, "w", encoding="utf-8") as f:
            f.write(svg(groups, args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
