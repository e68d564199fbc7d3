#!/usr/bin/env python3
"""Probe throughput against a local nginx, stepped up until something gives, beside wrk's ceiling
with a fresh connection per request; and idle RSS with 1,000 monitors at 60 s. Published
executable, 127.0.0.1 only, bounded runs. Writes its section of docs/benchmarks.md."""
import os, re, sqlite3, statistics, subprocess, sys, tempfile, threading, time, socket
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

STEPS = [int(s) for s in os.environ.get("BENCH_STEPS", "3000,10000,30000,45000,60000,90000,120000").split(",")]
INTERVAL = 10
WARMUP, WINDOW = int(os.environ.get("BENCH_WARMUP", "25")), int(os.environ.get("BENCH_WINDOW", "30"))

def wrk_ceiling(port):
    out = subprocess.run(["wrk", "-t2", "-c64", "-d10s", "-H", "Connection: close", f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

def step(n, nginx_port):
    with tempfile.TemporaryDirectory() as folder:
        token = create_token(folder)
        seed_monitors(folder, n, INTERVAL, f"http://127.0.0.1:{nginx_port}/")
        p, port = start_flatline(folder)
        stop_event, messages = threading.Event(), [0, 0]   # a live dashboard for the whole run: the stream costs what it costs in production
        reader = threading.Thread(target=sse_client, args=(port, token, stop_event, messages), daemon=True); reader.start()
        try:
            time.sleep(WARMUP)
            t0, c0 = time.time(), cpu_seconds(p.pid)
            time.sleep(WINDOW)
            t1, c1 = time.time(), cpu_seconds(p.pid)
            rss = rss_mb(p.pid)
        finally:
            stop_event.set(); stop(p)
        db = sqlite3.connect(f"{folder}/flatline.db")
        start_ms, end_ms = int(t0 * 1000), int(t1 * 1000)
        stored = db.execute("SELECT count(*) FROM checks WHERE checked_at >= ? AND checked_at < ?", (start_ms, end_ms)).fetchone()[0]
        failed = db.execute("SELECT count(*) FROM checks WHERE checked_at >= ? AND checked_at < ? AND ok = 0", (start_ms, end_ms)).fetchone()[0]
        # Interval error: how far each gap between a monitor's consecutive checks is from its interval.
        errors = [abs(r[0] - INTERVAL * 1000) for r in db.execute(
            "SELECT checked_at - lag(checked_at) OVER (PARTITION BY monitor_id ORDER BY checked_at) FROM checks WHERE checked_at >= ? AND checked_at < ?",
            (start_ms - INTERVAL * 1000, end_ms)) if r[0] is not None]
        db.close()
        errors.sort()
        pct = lambda q: errors[min(len(errors) - 1, int(q * len(errors)))] if errors else float("nan")
        return {"n": n, "target": n / INTERVAL, "stored": stored / (t1 - t0), "failed": failed, "cpu": (c1 - c0) / (t1 - t0),
                "rss": rss, "p50": pct(0.5), "p99": pct(0.99), "sse": messages[0]}

def idle_rss_1000(nginx_port):
    with tempfile.TemporaryDirectory() as folder:
        create_token(folder)
        seed_monitors(folder, 1000, 60, f"http://127.0.0.1:{nginx_port}/")
        p, _ = start_flatline(folder)
        try:
            time.sleep(int(os.environ.get("BENCH_IDLE_WAIT", "75")))  # every monitor checked at least once
            return rss_mb(p.pid)
        finally:
            stop(p)

with tempfile.TemporaryDirectory() as nginx_folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        ceiling = wrk_ceiling(nginx_port)
        results = []
        for n in STEPS:
            r = step(n, nginx_port); results.append(r)
            print(r, flush=True)
            if r["stored"] < 0.95 * r["target"] or r["p99"] > 250: break  # something gave
        rss1000 = idle_rss_1000(nginx_port)
    finally:
        stop_nginx(nginx_folder)

lines = [machine_line(), "",
    f"Command: `python3 scripts/bench-probes.py` — N monitors at a {INTERVAL} s interval against nginx-light on 127.0.0.1 (one worker, a 200 at /), "
    f"seeded into a fresh database; after {WARMUP} s of warm-up, a {WINDOW} s window is measured from the stored checks. "
    "Every check opens a new connection (see the README). An SSE client stays connected throughout. "
    f"Ceiling: `wrk -t2 -c64 -d10s -H 'Connection: close'` on the same nginx: **{ceiling:,.0f} requests/s** (a C client, fresh connection per request).", "",
    "| Monitors | Checks/s due | Checks/s stored | vs wrk ceiling | Failed | Interval error p50 / p99 | Flatline CPU (cores) | RSS |", "|---|---|---|---|---|---|---|---|"]
for r in results:
    lines.append(f"| {r['n']:,} | {r['target']:,.0f} | {r['stored']:,.0f} | {r['stored']/ceiling:.0%} | {r['failed']} | {r['p50']:.0f} ms / {r['p99']:.0f} ms | {r['cpu']:.2f} | {r['rss']:.0f} MB |")
best = max((r for r in results if r["stored"] >= 0.95 * r["target"] and r["p99"] <= 250), key=lambda r: r["stored"], default=None)
holds = best is not None and best["stored"] >= 3000
lines += ["", f"Target ≥ 3,000 checks/s sustained with interval p99 ≤ 250 ms: **{'holds' if holds else 'does not hold'}**"
          + (f" (best step: {best['stored']:,.0f} checks/s, p99 {best['p99']:.0f} ms)." if best else "."),
          f"Idle RSS with 1,000 monitors at 60 s (after 75 s): **{rss1000:.0f} MB** (target ≤ 80 MB: {'holds' if rss1000 <= 80 else 'does not hold'})."]
write_section("probes", "Probe throughput and memory with monitors", lines)
