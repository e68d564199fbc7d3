#!/usr/bin/env python3
"""GET /api/v1/stats for 10,000 monitors with 90 days of synthetic rollup history, and one
monitor's stats, on the published executable on 127.0.0.1. Writes its section of
docs/benchmarks.md.

The history is written straight into the database as the writer would leave it: hourly and
daily rollups (counts, enabled/down time, a latency histogram blob) for every hour and day of
90 days. Stats never read raw checks, so none are generated. The monitors are paused so that
probing does not load the machine while the requests are timed."""
import http.client, json, os, random, re, sqlite3, statistics, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import write_section, machine_line, create_token, start_flatline, stop

MONITORS = int(os.environ.get("BENCH_MONITORS", "10000"))
DAYS = 90

def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80); n >>= 7
    out.append(n)
    return bytes(out)

def histogram(counts):
    """LatencyHistogram.ToBytes: version 1, zero count, bucket count, (index delta, count) pairs."""
    out = bytearray([1]) + varint(0) + varint(len(counts))
    previous = 0
    for index, count in sorted(counts.items()):
        out += varint(index - previous) + varint(count); previous = index
    return bytes(out)

def blob(rng, checks, centre):
    # Bucket index of value v (µs) is ceil(ln v / ln γ), γ = 1.0099/0.9901; spread ±15 % around the centre.
    import math
    gamma = 1.0099 / 0.9901
    counts = {}
    for _ in range(checks):
        v = centre * (0.85 + 0.3 * rng.random())
        i = math.ceil(math.log(v) / math.log(gamma))
        counts[i] = counts.get(i, 0) + 1
    return histogram(counts)

def request(port, path, token):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse(); body = r.read()
    ms = (time.perf_counter() - t0) * 1000
    c.close()
    if r.status != 200: raise SystemExit(f"{path}: HTTP {r.status}")
    return ms, body

with tempfile.TemporaryDirectory() as folder:
    token = create_token(folder)

    t0 = time.perf_counter()
    db = sqlite3.connect(f"{folder}/flatline.db")
    db.execute("PRAGMA synchronous=OFF"); db.execute("PRAGMA journal_mode=WAL")
    now_ms = int(time.time() * 1000)
    hour_now, day_now = now_ms // 3_600_000, now_ms // 86_400_000
    config = json.dumps({"type": "http", "url": "http://127.0.0.1:9/", "method": "GET", "expected_status": ["2xx"],
                         "headers": None, "body": None, "keyword": None, "follow_redirects": True, "verify_tls": True})
    rng = random.Random(1)
    blobs = [blob(rng, 360, 20_000 + 4_000 * k) for k in range(32)]
    day_blobs = [blob(rng, 8_640, 20_000 + 4_000 * k) for k in range(32)]
    created = now_ms - DAYS * 86_400_000
    db.executemany("INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at) VALUES (?, ?, ?, 10, 5, 0, 0, ?, ?)",
                   ((f"00000000-0000-7000-8000-{i:012d}", f"monitor {i}", config, created, created) for i in range(MONITORS)))
    def hourly():
        for m in range(1, MONITORS + 1):
            for h in range(hour_now - DAYS * 24 + 1, hour_now + 1):
                down = 3_600_000 if (m * 7 + h) % 997 == 0 else 0
                yield (m, h, 360, 360 if down else 0, 3_600_000, down, blobs[(m + h) % 32])
    db.executemany("INSERT INTO rollups_hourly (monitor_id, hour, checks, failures, enabled_ms, down_ms, latency) VALUES (?, ?, ?, ?, ?, ?, ?)", hourly())
    def daily():
        for m in range(1, MONITORS + 1):
            for d in range(day_now - DAYS + 1, day_now + 1):
                yield (m, d, 8_640, 30, 86_400_000, 3_600_000 if (m + d) % 40 == 0 else 0, day_blobs[(m + d) % 32])
    db.executemany("INSERT INTO rollups_daily (monitor_id, day, checks, failures, enabled_ms, down_ms, latency) VALUES (?, ?, ?, ?, ?, ?, ?)", daily())
    db.commit(); db.close()
    seed_s = time.perf_counter() - t0
    size_mb = os.path.getsize(f"{folder}/flatline.db") / 1e6

    log_path = f"{folder}/flatline.log"
    p, port = start_flatline(folder, env={"LOG_LEVEL": "information"}, log=log_path)
    try:
        # Right after start the windows are still loading in the background (StatsCache.Warm).
        cold, body = request(port, "/api/v1/stats", token)
        count = len(json.loads(body))
        warmed_ms = None
        for _ in range(1200):
            found = re.search(r"Stats windows of (\d+) monitors loaded in (\d+) ms", open(log_path).read())
            if found:
                if int(found.group(1)) != MONITORS: raise SystemExit(f"windows loaded for {found.group(1)} monitors, not {MONITORS}")
                warmed_ms = int(found.group(2)); break
            time.sleep(0.05)
        if warmed_ms is None: raise SystemExit("the stats windows were not loaded within 60 s")
        warm = sorted(request(port, "/api/v1/stats", token)[0] for _ in range(20))
        one = sorted(request(port, f"/api/v1/monitors/00000000-0000-7000-8000-{rng.randrange(MONITORS):012d}/stats", token)[0] for _ in range(200))
        def rss_now():
            with open(f"/proc/{p.pid}/status") as f:
                return next(int(l.split()[1]) / 1024 for l in f if l.startswith("VmRSS:"))
        rss = rss_now()
        time.sleep(30)  # quiet: the idle collector gives the responses' garbage back
        rss_quiet = rss_now()
    finally:
        stop(p)

p50, p95 = statistics.median(warm), warm[int(0.95 * len(warm)) - 1]
rows = [
    (f"`GET /api/v1/stats`, {count:,} monitors, 90 days, warm (n=20)", f"median {p50:.1f} ms, p95 {p95:.1f} ms, {len(body)/1e6:.1f} MB of JSON", "≤ 100 ms", p50 <= 100),
    ("Loading every monitor's windows in the background after start", f"{warmed_ms:,} ms", "—", None),
    ("`GET /api/v1/stats` right after the first `/healthz` 200, while they load", f"{cold:.0f} ms", "—", None),
    ("`GET /api/v1/monitors/:id/stats`, warm (n=200)", f"median {statistics.median(one):.2f} ms, p99 {one[int(0.99*len(one))-1]:.2f} ms", "—", None),
    ("RSS right after these requests, and after 30 s quiet", f"{rss:.0f} MB, {rss_quiet:.0f} MB", "—", None),
]
body_lines = [machine_line(), "",
    f"Command: `python3 scripts/bench-stats.py` — {MONITORS:,} paused monitors with hourly and daily rollups for every hour and day of {DAYS} days "
    f"({MONITORS * DAYS * 24:,} hourly rows; database {size_mb:,.0f} MB, seeded in {seed_s:.0f} s); times measured by a Python client on 127.0.0.1, "
    "including transfer of the whole JSON response.", "",
    "| What | Measured | Target | Holds |", "|---|---|---|---|"]
body_lines += [f"| {a} | {b} | {c} | {'' if d is None else ('yes' if d else '**no**')} |" for a, b, c, d in rows]
write_section("stats", "Stats for 10,000 monitors", body_lines)
