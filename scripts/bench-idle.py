#!/usr/bin/env python3
"""What every user pays (SPEC §10 "Idle CPU", "Start with many monitors"), on the published executable,
127.0.0.1 only: CPU of a server with no monitors, and with 500 HTTP monitors every 20 s against a local
nginx (utime+stime over a 60 s window once the check rate is steady, as ../shared/peers.md measured the
peers), and start to the first /healthz 200 with 500, 5,000 and 10,000 monitors (median of 5).
Writes its section of docs/benchmarks.md."""
import http.client, os, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

WINDOW = 60

def checks(folder):
    import sqlite3
    db = sqlite3.connect(f"file:{folder}/flatline.db?mode=ro", uri=True)
    n = db.execute("SELECT count(*) FROM checks").fetchone()[0]; db.close()
    return n

def cpu_window(p, folder, settle):
    """(% of one core, checks stored, RSS MB) over WINDOW seconds after `settle` seconds."""
    time.sleep(settle)
    c0, n0, t0 = cpu_seconds(p.pid), checks(folder), time.time()
    rss = []
    for _ in range(WINDOW // 5):
        time.sleep(5); rss.append(rss_mb(p.pid))
    c1, n1, t1 = cpu_seconds(p.pid), checks(folder), time.time()
    return 100 * (c1 - c0) / (t1 - t0), n1 - n0, statistics.mean(rss)

def start_ms(folder):
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "--address", f"127.0.0.1:{port}"], cwd=folder, env=flatline_env(folder),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - t0 < 30:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                ms = (time.perf_counter() - t0) * 1000
                stop(p)
                return ms
        except OSError:
            pass
        time.sleep(0.0005)
    p.kill(); raise SystemExit("flatline did not become healthy")

rows = []
with tempfile.TemporaryDirectory() as folder:
    create_token(folder)
    p, _ = start_flatline(folder)
    try:
        idle, _, idle_rss = cpu_window(p, folder, settle=15)
    finally:
        stop(p)
rows.append(("CPU, no monitors", f"{idle:.3f} % of a core (RSS {idle_rss:.1f} MB)", "≤ 0.1 %", idle <= 0.1))

with tempfile.TemporaryDirectory() as nginx_folder, tempfile.TemporaryDirectory() as folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        create_token(folder)
        seed_monitors(folder, 500, 20, f"http://127.0.0.1:{nginx_port}/")
        p, _ = start_flatline(folder)
        try:
            small, stored, small_rss = cpu_window(p, folder, settle=25)
        finally:
            stop(p)
    finally:
        stop_nginx(nginx_folder)
per_check = (small / 100) * WINDOW / stored * 1000 if stored else float("nan")
rows.append(("CPU, 500 HTTP monitors every 20 s", f"{small:.2f} % of a core, {stored / WINDOW:.1f} checks/s stored, {per_check:.2f} ms per check (RSS {small_rss:.1f} MB)",
             "≤ 1 %", small <= 1))

starts = {}
for count in (500, 5_000, 10_000):
    with tempfile.TemporaryDirectory() as folder:
        create_token(folder)
        seed_monitors(folder, count, 60, "http://127.0.0.1:9/")
        starts[count] = statistics.median(start_ms(folder) for _ in range(5))
for count, ms in starts.items():
    rows.append((f"Start to first /healthz 200, {count:,} monitors", f"{ms:.0f} ms (median of 5)", "≤ 100 ms at 10,000" if count == 10_000 else "—",
                 ms <= 100 if count == 10_000 else None))

peers = ("Peers measured on this machine on 2026-12-01 (`../shared/peers.md`, same load): idle, Prometheus + blackbox_exporter 0.0 %, "
         "Uptime Kuma 0.9 %, Flatline then 1.6 %; 500 monitors at 20 s, Prometheus + blackbox_exporter 6.8–7.4 % (2.7–3.0 ms per check), "
         "Uptime Kuma 14.9–16.5 % (6.0–6.6 ms per check), Flatline then 2.1–2.3 % (0.85–0.90 ms per check). Start: Flatline then 58 ms with 500 "
         "monitors and 423 ms with 5,000; Uptime Kuma 2.4 s with 500.")
lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-idle.py` — CPU is utime+stime of the process over a {WINDOW} s window after it settled "
         "(15 s idle, 25 s with monitors), RSS the mean of samples 5 s apart; start-up is from exec to the first 200 of /healthz, "
         "polled every 0.5 ms, on a database of monitors every 60 s at a closed port.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|"]
for what, measured, target, holds in rows:
    lines.append(f"| {what} | {measured} | {target} | {'—' if holds is None else ('yes' if holds else '**no**')} |")
lines += ["", peers]
write_section("idle", "Idle and small loads, start with many monitors", lines)
