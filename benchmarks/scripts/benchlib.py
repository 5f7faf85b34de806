"""What the comparison scripts share: BenchServer JVMs that never outlive the script, a process's
CPU time and I/O system calls from /proc, the machine's load, and JMH-style means with errors.

Imported by h2load-compare.py and kernel-compare.py (they sit beside it, so `import benchlib`
finds it). Linux only (/proc). Standard library only.
"""
import atexit
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time

# Student's t at 0.9995 (two-sided 99.9%, what JMH reports) by degrees of freedom.
T999 = {1: 636.62, 2: 31.60, 3: 12.92, 4: 8.61, 5: 6.87, 6: 5.96, 7: 5.41, 8: 5.04, 9: 4.78, 10: 4.59}

_live = []  # every child still to stop when the script ends, however it ends


def _stop_all():
    for child in list(_live):
        child.stop()


def _terminated(signum, _frame):
    # SystemExit unwinds the script's finally blocks; atexit stops whatever they did not.
    sys.exit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _terminated)
signal.signal(signal.SIGHUP, _terminated)


def process_stat(pid):
    """(user, system) CPU seconds of the process, all its threads (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # the command may hold spaces; the fields after it do not
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def cpu_seconds(pid):
    """utime + stime of the process, in seconds."""
    user, system = process_stat(pid)
    return user + system


def process_io(pid):
    """(syscr, syscw) of /proc/PID/io: the read-like and write-like system calls the process made."""
    values = {}
    with open(f"/proc/{pid}/io", encoding="ascii") as f:
        for line in f:
            name, _, value = line.partition(":")
            values[name.strip()] = int(value)
    return values["syscr"], values["syscw"]


def load_average():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def utc_now():
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def mean_and_error(values):
    """The mean and its 99.9% Student's t half-width (NaN for one value), as JMH reports them."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    t = T999.get(len(values) - 1, 3.29)
    return mean, t * statistics.stdev(values) / math.sqrt(len(values))


def java_version(java):
    done = subprocess.run([java, "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = done.stdout.splitlines()[0] if done.stdout else "?"
    match = re.search(r'"([^"]+)"', first)
    return match.group(1) if match else first


class Child:
    """A child process that is stopped (SIGTERM, then SIGKILL after `grace` seconds) when the script ends."""

    def __init__(self, command, grace=20, **popen):
        self.process = subprocess.Popen(command, **popen)
        self.grace = grace
        _live.append(self)

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self in _live:
            _live.remove(self)


class Server(Child):
    """A BenchServer JVM of one mode on a free port (`extra`: more BenchServer arguments, e.g. --loops)."""

    def __init__(self, java, jvm_args, classpath, mode, extra=()):
        command = [java] + list(jvm_args) + ["-cp", classpath, "dev.ranch.bench.BenchServer", mode, "0"] + list(extra)
        super().__init__(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.mode = mode
        # JVM options such as -XX:StartFlightRecording may print before BenchServer does.
        seen = []
        for line in self.process.stdout:
            match = re.match(r"listening on (\d+)", line)
            if match:
                self.port = int(match.group(1))
                return
            seen.append(line)
        self.stop()
        sys.exit(f"{mode} did not start: {''.join(seen).strip()}")
