#!/usr/bin/env python3
"""The SPEC §10 memory-per-monitor row, on the published executable, 127.0.0.1 only: RSS with no
monitors, then N HTTP monitors at 10 s against a local nginx, without and with one SSE client (a
dashboard) connected; RSS sampled every 5 s after a warm-up, the median of the samples reported.
Per monitor = (RSS with N monitors and a client − RSS with none) / N. With `--breakdown` (needs the
JIT build, `dotnet build Flatline -c Release`, and `dotnet tool install -g dotnet-gcdump`) it also
writes the live heap by type at BREAKDOWN_N monitors. Writes its section of docs/benchmarks.md."""
import os, statistics, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

N = int(os.environ.get("BENCH_MONITORS", "30000"))
WARMUP, WINDOW = int(os.environ.get("BENCH_WARMUP", "30")), int(os.environ.get("BENCH_WINDOW", "40"))
BREAKDOWN_N = int(os.environ.get("BREAKDOWN_N", "3000"))
TARGET_KB = 3.0

def run(n, client, nginx_port, binary_env=None):
    """RSS samples (MB) of a run with n monitors; with client, the SSE messages it got and whether it was dropped."""
    with tempfile.TemporaryDirectory() as folder:
        token = create_token(folder)
        if n: seed_monitors(folder, n, 10, f"http://127.0.0.1:{nginx_port}/")
        p, port = start_flatline(folder, env=binary_env)
        stop_event, counter = threading.Event(), [0, 0]
        if client: threading.Thread(target=sse_client, args=(port, token, stop_event, counter), daemon=True).start()
        try:
            time.sleep(WARMUP)
            samples = []
            deadline = time.time() + WINDOW
            while time.time() < deadline:
                samples.append(rss_mb(p.pid)); time.sleep(5)
            return samples, counter, p.pid
        finally:
            stop_event.set(); stop(p)

def breakdown(nginx_port):
    """Live heap by type at BREAKDOWN_N monitors, from dotnet-gcdump on the JIT build (same code)."""
    dll = os.path.join(root, "Flatline", "bin", "Release", "net10.0", "flatline.dll")
    tool = shutil.which("dotnet-gcdump") or os.path.expanduser("~/.dotnet/tools/dotnet-gcdump")
    if not (os.path.exists(dll) and os.path.exists(tool)): raise SystemExit("--breakdown needs the JIT build and dotnet-gcdump")
    import benchdoc
    with tempfile.TemporaryDirectory() as folder:
        wrapper = os.path.join(folder, "flatline-jit")
        with open(wrapper, "w") as f: f.write(f"#!/bin/sh\nexec dotnet {dll} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        saved, benchdoc.binary = benchdoc.binary, wrapper
        try:
            data = os.path.join(folder, "data"); os.makedirs(data)
            create_token(data)
            seed_monitors(data, BREAKDOWN_N, 10, f"http://127.0.0.1:{nginx_port}/")
            p, _ = start_flatline(data)
            try:
                time.sleep(WARMUP + 10)
                dump = os.path.join(folder, "heap.gcdump")
                subprocess.run([tool, "collect", "-p", str(p.pid), "-o", dump], capture_output=True, check=True)
                report = subprocess.run([tool, "report", dump], capture_output=True, text=True, check=True).stdout
            finally:
                stop(p)
        finally:
            benchdoc.binary = saved
    total = int(re.search(r"([\d,]+)\s+GC Heap bytes", report).group(1).replace(",", ""))
    rows = []
    for line in report.splitlines():
        m = re.match(r"\s*([\d,]+)\s+([\d,]+)\s+(.+?)\s+\[", line)
        if not m: continue
        size, count, name = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), m.group(3)
        # gcdump's byte column is exact for a type of one size; arrays and strings vary, so they are left to the remainder.
        if count >= BREAKDOWN_N * 0.95 and not name.endswith("[]") and name != "System.String":
            rows.append((size * count, count, name))   # one or more per monitor
    rows.sort(reverse=True)
    return total, rows

want_breakdown = "--breakdown" in sys.argv
with tempfile.TemporaryDirectory() as nginx_folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        load_start = os.getloadavg()[0]
        empty, _, _ = run(0, False, nginx_port)
        alone, _, _ = run(N, False, nginx_port)
        dashboard, counter, _ = run(N, True, nginx_port)
        heap = breakdown(nginx_port) if want_breakdown else None
        load_end = os.getloadavg()[0]
    finally:
        stop_nginx(nginx_folder)

med = statistics.median
per_monitor = (med(dashboard) - med(empty)) * 1024 / N
lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-memory.py{' --breakdown' if want_breakdown else ''}` — RSS of the published executable sampled every 5 s for {WINDOW} s after "
         f"{WARMUP} s of warm-up (median of the samples): with no monitors; with {N:,} HTTP monitors at 10 s against nginx-light on 127.0.0.1 "
         f"(seeded into a fresh database); and the same with one SSE client (`/api/v1/stats/stream`, a dashboard) reading throughout. "
         f"Load average {load_start:.2f} at the start and {load_end:.2f} at the end (2 cores: above 2, other work ran beside it).", "",
         "| Run | RSS median (min–max) |", "|---|---|",
         f"| No monitors | {med(empty):.0f} MB ({min(empty):.0f}–{max(empty):.0f}) |",
         f"| {N:,} monitors, no client | {med(alone):.0f} MB ({min(alone):.0f}–{max(alone):.0f}) |",
         f"| {N:,} monitors, one SSE client ({counter[0]:,} messages{', dropped for falling behind' if counter[1] else ''}) | {med(dashboard):.0f} MB ({min(dashboard):.0f}–{max(dashboard):.0f}) |",
         "",
         f"Memory per monitor with a dashboard open: **{per_monitor:.1f} KB** (target ≤ {TARGET_KB:.0f} KB: {'holds' if per_monitor <= TARGET_KB else 'does not hold'}); "
         f"the SSE client's own cost: {med(dashboard) - med(alone):+.0f} MB."]
if heap:
    total, rows = heap
    lines += ["", f"Live heap at {BREAKDOWN_N:,} monitors after {WARMUP + 10} s (JIT build, `dotnet-gcdump`): {total / 2**20:.1f} MB in all; "
              "the types with one or more objects per monitor:", "", "| Type | Objects | Bytes per monitor |", "|---|---|---|"]
    lines += [f"| `{name}` | {count:,} | {size / BREAKDOWN_N:.0f} |" for size, count, name in rows[:16]]
    rest = total - sum(size for size, _, _ in rows[:16])
    lines += [f"| everything else: arrays (the histograms' counts, dictionaries' buckets), strings, what is shared | | {rest / BREAKDOWN_N:.0f} |"]
write_section("memory", "Memory per monitor", lines)
