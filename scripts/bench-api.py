#!/usr/bin/env python3
"""GET /api/v1/monitors/:id at a fixed rate above 1,000 requests/s with wrk (paced by a Lua delay),
on the published executable with 1,000 monitors, 127.0.0.1 only: once with the monitors paused (the
API alone), once with all of them checking a local nginx every 60 s (the API beside the engine).
Writes its section of docs/benchmarks.md."""
import os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

MONITORS = 1000
CONNECTIONS, DELAY_MS, SECONDS = 16, 14, 20   # each connection: one request, then 14 ms idle

def run(folder, enabled, nginx_url):
    token = create_token(folder)
    seed_monitors(folder, MONITORS, 60, nginx_url)
    if not enabled:
        import sqlite3
        db = sqlite3.connect(f"{folder}/flatline.db"); db.execute("UPDATE monitors SET enabled = 0"); db.commit(); db.close()
    with open(f"{folder}/pace.lua", "w") as f:
        f.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n'
                f'function delay() return {DELAY_MS} end\n')
    p, port = start_flatline(folder)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/monitors/00000000-0000-7000-8000-000000000500"
        subprocess.run(["wrk", "-t1", "-c8", "-d3s", "-s", f"{folder}/pace.lua", url], capture_output=True, timeout=30)  # warm-up
        out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", f"{folder}/pace.lua", url],
                             capture_output=True, text=True, timeout=SECONDS + 30).stdout
        checks = None
        if enabled:
            import sqlite3
            db = sqlite3.connect(f"file:{folder}/flatline.db?mode=ro", uri=True)
            checks = db.execute("SELECT count(*) FROM checks").fetchone()[0]; db.close()
    finally:
        stop(p)
    return out, checks

def ms(out, label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

with tempfile.TemporaryDirectory() as nginx_folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        results = []
        for enabled in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                results.append((enabled, *run(folder, enabled, f"http://127.0.0.1:{nginx_port}/")))
    finally:
        stop_nginx(nginx_folder)

lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-api.py` — {MONITORS:,} monitors, `wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --latency` with a Lua "
         f"`delay()` of {DELAY_MS} ms after each response on every connection (a fixed pace of a little over 1,000 requests/s) "
         "and a bearer token, after a 3 s warm-up. wrk times each request from send to response; the pace leaves every "
         "connection idle most of the time, so a slow response shows in the percentiles rather than lowering the rate unseen.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|"]
for enabled, out, checks in results:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50, p99 = ms(out, "50"), ms(out, "99")
    what = (f"monitors checking nginx every 60 s ({checks:,} checks stored meanwhile)" if enabled else "monitors paused")
    holds = p99 <= 5 and rate >= 1000 and not non2xx and not errors
    lines.append(f"| `GET /api/v1/monitors/:id`, {what}, at {rate:,.0f} requests/s | p50 {p50:.2f} ms, p99 {p99:.2f} ms"
                 f"{', ' + non2xx.group(1) + ' non-2xx' if non2xx else ''}{', socket errors ' + errors.group(1) if errors else ''}"
                 f" | p99 ≤ 5 ms at 1,000/s | {'yes' if holds else '**no**'} |")
write_section("api", "API latency", lines)
