#!/usr/bin/env python3
"""The SPEC §10 status-page row, on the published executable, 127.0.0.1 only: 1,000 monitors checking a
local nginx every 60 s, 50 of them on a public page with 90 days of daily history; GET /status/:slug at
a fixed pace above 2,000 requests/s with wrk (paced by a Lua delay, bounded in time), the page's HTML +
CSS + JS gzipped, and the badges of those 50 monitors at a fixed pace above 1,000 requests/s.
PUBLIC_RATE_LIMIT is raised so that one address may send that much. Writes its section of docs/benchmarks.md."""
import http.client, json, os, re, sqlite3, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

MONITORS, ON_PAGE, INTERVAL = 1000, 50, 60
CONNECTIONS, SECONDS = 16, 20
PAGE_DELAY_MS, BADGE_DELAY_MS = 7, 14    # each connection: one request, then this long idle
SLUG = "bench"

def ms(out, label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data

def seed_history(folder):
    """90 days of daily rollups for the page's monitors (every seventh day with some down time) and
    one resolved incident each, five days ago: bars, tooltips and the list of bad days, as a real page has."""
    db = sqlite3.connect(f"{folder}/flatline.db")
    today = int(time.time()) // 86400
    now = int(time.time() * 1000)
    db.execute(f"""
        WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 89)
        INSERT OR REPLACE INTO rollups_daily (monitor_id, day, checks, failures, enabled_ms, down_ms)
        SELECT m.id, {today} - d.n, 1440, CASE WHEN (d.n + m.id) % 7 = 3 THEN 12 ELSE 0 END, 86400000,
               CASE WHEN (d.n + m.id) % 7 = 3 THEN 720000 ELSE 0 END
        FROM monitors m, d WHERE m.id <= {ON_PAGE}""")
    db.executemany("INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, cause, resolution) VALUES (?, ?, ?, ?, 'connect refused', 'recovered')",
                   ((f"00000000-0000-7000-9000-{i:012d}", i, now - 5 * 86_400_000, now - 5 * 86_400_000 + 300_000) for i in range(1, ON_PAGE + 1)))
    db.commit(); db.close()

def wrk(folder, name, lua, url):
    with open(f"{folder}/{name}.lua", "w") as f: f.write(lua)
    subprocess.run(["wrk", "-t1", "-c8", "-d3s", "-s", f"{folder}/{name}.lua", url], capture_output=True, timeout=30)  # warm-up
    return subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", f"{folder}/{name}.lua", url],
                          capture_output=True, text=True, timeout=SECONDS + 30).stdout

def checks(folder):
    db = sqlite3.connect(f"file:{folder}/flatline.db?mode=ro", uri=True)
    n = db.execute("SELECT count(*) FROM checks").fetchone()[0]; db.close()
    return n

def run(folder, nginx_url):
    token = create_token(folder)
    seed_monitors(folder, MONITORS, INTERVAL, nginx_url)
    seed_history(folder)
    ids = [f"00000000-0000-7000-8000-{i:012d}" for i in range(ON_PAGE)]
    p, port = start_flatline(folder, env={"PUBLIC_RATE_LIMIT": "1000000"})
    try:
        sections = [{"name": f"Region {n}", "monitors": ids[n * 10:(n + 1) * 10]} for n in range(ON_PAGE // 10)]
        status, _, body = request(port, "POST", "/api/v1/status-pages",
                                  json.dumps({"slug": SLUG, "title": "Bench status", "description": "Everything we run", "sections": sections}),
                                  {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        if status != 201: raise SystemExit(f"could not create the page: {status} {body[:200]!r}")
        # Every monitor on the page checked once (first checks spread over the 60 s interval).
        deadline = time.time() + 2 * INTERVAL
        state = None
        while time.time() < deadline:
            state = json.loads(request(port, "GET", f"/status/{SLUG}/summary.json")[2])["state"]
            if state == "operational": break
            time.sleep(1)
        if state != "operational": raise SystemExit(f"the page's monitors did not all come up (state {state})")

        gzip = {"Accept-Encoding": "gzip"}
        weights = {}
        for path in (f"/status/{SLUG}", "/status/_/page.css", "/status/_/page.js"):
            status, headers, data = request(port, "GET", path, headers=gzip)
            if status != 200 or headers.get("Content-Encoding") != "gzip": raise SystemExit(f"{path}: {status} {headers}")
            weights[path] = (len(data), len(request(port, "GET", path)[2]))
        html = request(port, "GET", f"/status/{SLUG}")[2].decode()
        if html.count('class="monitor"') != ON_PAGE: raise SystemExit("the page does not show its 50 monitors")

        before = checks(folder)
        page = wrk(folder, "page", f'wrk.headers["Accept-Encoding"] = "gzip"\nfunction delay() return {PAGE_DELAY_MS} end\n',
                   f"http://127.0.0.1:{port}/status/{SLUG}")
        page_checks = checks(folder) - before
        paths = [f"/badge/{i}/{kind}" for i in ids for kind in ("status.svg", "uptime.svg?window=30d", "response.svg", "shields.json")]
        lua = ("local paths = {" + ",".join(f'"{x}"' for x in paths) + "}\nlocal i = 0\n"
               "function request() i = i + 1; return wrk.format(\"GET\", paths[(i % #paths) + 1]) end\n"
               f"function delay() return {BADGE_DELAY_MS} end\n")
        before = checks(folder)
        badges = wrk(folder, "badges", lua, f"http://127.0.0.1:{port}/")
        badge_checks = checks(folder) - before
    finally:
        stop(p)
    return weights, (page, page_checks), (badges, badge_checks)

def figures(out):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    extra = (f", {non2xx.group(1)} non-2xx" if non2xx else "") + (f", socket errors {errors.group(1)}" if errors else "")
    return rate, ms(out, "50"), ms(out, "99"), extra, not non2xx and not errors

load = open("/proc/loadavg").read().split()[0]   # anything else on the machine skews the percentiles
with tempfile.TemporaryDirectory() as nginx_folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        with tempfile.TemporaryDirectory() as folder:
            weights, (page, page_checks), (badges, badge_checks) = run(folder, f"http://127.0.0.1:{nginx_port}/")
    finally:
        stop_nginx(nginx_folder)

total = sum(g for g, _ in weights.values())
html_gz, html_raw = weights[f"/status/{SLUG}"]
lines = [machine_line() + f" Load average (1 min) when it began: {load}.", "",
         f"Command: `python3 scripts/bench-status.py` — {MONITORS:,} monitors checking a local nginx every {INTERVAL} s, {ON_PAGE} of them on one "
         f"public page in 5 sections with 90 days of daily history (every seventh day with 12 min down) and one past incident each; "
         f"`PUBLIC_RATE_LIMIT=1000000` so one address may send this much. `wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --latency` with a Lua "
         f"`delay()` after each response on every connection ({PAGE_DELAY_MS} ms for the page, `Accept-Encoding: gzip`; {BADGE_DELAY_MS} ms for the "
         f"badges, cycling through the 4 badges of the {ON_PAGE} monitors), after a 3 s warm-up: a fixed pace, bounded in time, that leaves every "
         "connection idle most of the time, so a slow response shows in the percentiles rather than lowering the rate unseen.", "",
         "What is cached: each page's snapshot, with its HTML (plain and gzip) and summary.json made once, in memory. It is made afresh "
         "when a committed check changes the status of a monitor on it, a monitor on it or the page or an announcement is written, a "
         "maintenance window on its monitors is written or starts or ends, and otherwise after 30 s (uptime grows with time alone); "
         "a run of 20 s sees about one such rebuild. Badges (`BadgeCache`): each answer is kept until its monitor's next committed check, "
         "a change to the monitor, or 10 s; a miss reads the monitor's key and status from SQLite (one query on a pooled connection) "
         "and its figure from the stats in memory. Who may see a badge is decided for every request, before the cache.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|"]
rate, p50, p99, extra, clean = figures(page)
lines.append(f"| `GET /status/:slug`, {ON_PAGE} monitors, {page_checks:,} checks stored meanwhile, at {rate:,.0f} requests/s | p50 {p50:.2f} ms, p99 {p99:.2f} ms{extra}"
             f" | p99 ≤ 5 ms at 2,000/s | {'yes' if p99 <= 5 and rate >= 2000 and clean else '**no**'} |")
lines.append(f"| Page weight: HTML + CSS + JS, gzipped | {total:,} bytes (HTML {html_gz:,} of {html_raw:,} plain; CSS {weights['/status/_/page.css'][0]:,}; "
             f"JS {weights['/status/_/page.js'][0]:,}) | ≤ 30 KB (30,720 bytes) | {'yes' if total <= 30 * 1024 else '**no**'} |")
rate, p50, p99, extra, clean = figures(badges)
lines.append(f"| Badges (status, uptime, response SVG and Shields JSON), {badge_checks:,} checks stored meanwhile, at {rate:,.0f} requests/s | p50 {p50:.2f} ms, p99 {p99:.2f} ms{extra}"
             f" | p99 ≤ 2 ms | {'yes' if p99 <= 2 and clean else '**no**'} |")
write_section("status", "Status page", lines)
