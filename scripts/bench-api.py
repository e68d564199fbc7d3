#!/usr/bin/env python3
"""GET /api/v1/monitors/:id at a fixed ~1,000 requests/s with wrk (paced by a Lua delay), on the
published executable with 1,000 monitors, 127.0.0.1 only. Writes its section of docs/benchmarks.md."""
import os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

with tempfile.TemporaryDirectory() as folder:
    token = create_token(folder)
    seed_monitors(folder, 1000, 60, "http://127.0.0.1:9/")
    import sqlite3
    db = sqlite3.connect(f"{folder}/flatline.db"); db.execute("UPDATE monitors SET enabled = 0"); db.commit(); db.close()
    with open(f"{folder}/pace.lua", "w") as f:
        f.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n'
                '-- 11 connections, each waiting 10 ms between requests: about 1,000 requests/s in all\n'
                'function delay() return 10 end\n')
    p, port = start_flatline(folder)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/monitors/00000000-0000-7000-8000-000000000500"
        subprocess.run(["wrk", "-t1", "-c10", "-d3s", "-s", f"{folder}/pace.lua", url], capture_output=True)  # warm-up
        out = subprocess.run(["wrk", "-t2", "-c11", "-d20s", "--latency", "-s", f"{folder}/pace.lua", url], capture_output=True, text=True).stdout
    finally:
        stop(p)

def ms(label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
p50, p99 = ms("50"), ms("99")
lines = [machine_line(), "",
         "Command: `python3 scripts/bench-api.py` — 1,000 monitors (paused), `wrk -t2 -c11 -d20s --latency` with a Lua `delay()` of 10 ms per "
         "connection and a bearer token, after a 3 s warm-up.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|",
         f"| `GET /api/v1/monitors/:id` at {rate:,.0f} requests/s | p50 {p50:.2f} ms, p99 {p99:.2f} ms{', ' + non2xx.group(1) + ' non-2xx' if non2xx else ''} | p99 ≤ 5 ms at 1,000/s | {'yes' if p99 <= 5 and rate >= 900 and not non2xx else '**no**'} |"]
write_section("api", "API latency", lines)
