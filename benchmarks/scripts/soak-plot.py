#!/usr/bin/env python3
"""Draws a soak run's samples (benchmarks/target/soak/samples.csv, written by SoakTest) as a PNG:
heap used after GC, open descriptors (all, and those beside connections), and live threads of the server JVM over
time, with each metric's least-squares line over the samples after the warm-up.

    python3 benchmarks/scripts/soak-plot.py [SAMPLES.csv] [--out docs/soak.png] [--warmup SECONDS]

Needs matplotlib (Debian: python3-matplotlib, for /usr/bin/python3).
"""
import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fit(xs, ys):
    """Least-squares slope and intercept."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0
    return slope, my - slope * mx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("samples", nargs="?", default="benchmarks/target/soak/samples.csv")
    parser.add_argument("--out", default="docs/soak.png")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds left out of the fitted lines (default: a tenth of the run)")
    args = parser.parse_args()
    with open(args.samples, newline="") as f:
        rows = list(csv.DictReader(f))
    minutes = [float(r["seconds"]) / 60 for r in rows]
    warmup = (args.warmup if args.warmup is not None else float(rows[-1]["seconds"]) / 10) / 60
    series = [
        ("heap after GC (MiB)", [int(r["heap_bytes"]) / 2**20 for r in rows], "tab:blue"),
        ("fds", [int(r["fds"]) - int(r["connections"]) for r in rows], "tab:green"),
        ("threads", [int(r["threads"]) for r in rows], "tab:red"),
    ]
    fig, axes = plt.subplots(len(series), 1, figsize=(7, 6), sharex=True)
    for ax, (label, ys, colour) in zip(axes, series):
        if label == "fds":
            raw = [int(r["fds"]) for r in rows]
            ax.plot(minutes, raw, marker=".", color="0.6", linewidth=1, label="all open")
            ys_shown = ys + raw
        else:
            ys_shown = ys
        ax.plot(minutes, ys, marker=".", color=colour, linewidth=1,
                label="beside connections" if label == "fds" else None)
        window = [(x, y) for x, y in zip(minutes, ys) if x >= warmup]
        slope, intercept = fit([x for x, _ in window], [y for _, y in window])
        xs = [window[0][0], window[-1][0]]
        ax.plot(xs, [slope * x + intercept for x in xs], color="black", linestyle="--", linewidth=1,
                label="slope %+.3f /min" % slope)
        ax.axvspan(0, warmup, color="0.92")
        ax.set_ylabel(label)
        low, high = min(ys_shown), max(ys_shown)
        pad = max(1.0, (high - low) * 0.5)
        ax.set_ylim(low - pad, high + pad)
        ax.legend(loc="upper left", fontsize="small", ncol=3)
        ax.grid(True, linewidth=0.3)
    axes[-1].set_xlabel("minutes (grey: warm-up, left out of the fit)")
    total = int(rows[-1]["exchanges"])
    fig.suptitle("soak, one server JVM: HTTP, WebSocket, chat, HTTPS (%d exchanges)" % total, fontsize="medium")
    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
