#!/usr/bin/env python3
"""Side by side (SPEC §10, issue 22), run when asked, not in CI: the same load on Flatline and on
Prometheus + blackbox_exporter from Debian (the stack many teams use instead): idle, 500 HTTP monitors
at 20 s and 5,000, every one a GET to the same local nginx (1 worker, `return 200`, access log off).
Method as in ../shared/peers.md: CPU = utime+stime over a 60 s window once the full check rate
reaches nginx (checked from nginx's own counters, stub_status), summed over the system's processes,
as % of one core; RSS = mean of 12 samples 5 s apart, summed over processes. Uptime Kuma cannot be
installed from the registries here: its figures are quoted from ../shared/peers.md with their date.
127.0.0.1 only, every process stopped at the end. Installs prometheus-blackbox-exporter if missing.
Writes its section of docs/benchmarks.md."""
import os, re, shutil, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

STEPS = [int(s) for s in os.environ.get("BENCH_STEPS", "0,500,5000").split(",")]
INTERVAL, WINDOW, SAMPLES = 20, int(os.environ.get("BENCH_WINDOW", "60")), 12
KUMA = {0: ("0 (idle)", "—", "0.9", "—", "147 MB"), 500: ("500", "25.0", "16.5 / 14.9", "6.60 / 5.97", "239 / 232 MB"),
        5000: ("3,673 (adding 4,500 took over 5 min)", "180.8", "77.1", "4.26", "1,055 MB")}

def ensure_blackbox():
    if shutil.which("prometheus-blackbox-exporter") and shutil.which("prometheus"): return
    subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus", "prometheus-blackbox-exporter"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})

def nginx_requests(status_port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{status_port}/", timeout=2).read().decode()
    return int(text.splitlines()[2].split()[2])   # "server accepts handled requests" / "N N N"

def wait_for_rate(status_port, n, limit=90):
    """Waits until nginx sees the full rate (n / INTERVAL per second over 10 s), at most `limit` s."""
    if n == 0: time.sleep(10); return
    deadline = time.time() + limit
    while time.time() < deadline:
        a = nginx_requests(status_port); time.sleep(10); b = nginx_requests(status_port)
        if (b - a - 1) / 10 >= 0.95 * n / INTERVAL: return
    raise SystemExit(f"the full rate of {n / INTERVAL:.0f} checks/s never reached nginx")

def measure(pids, status_port):
    """CPU (% of one core) over WINDOW s, checks/s reaching nginx, RSS mean over SAMPLES samples (MB)."""
    c0, r0, t0 = sum(cpu_seconds(p) for p in pids), nginx_requests(status_port), time.time()
    rss = []
    step = WINDOW / SAMPLES
    for i in range(SAMPLES):
        time.sleep(step); rss.append(sum(rss_mb(p) for p in pids))
    c1, r1, t1 = sum(cpu_seconds(p) for p in pids), nginx_requests(status_port), time.time()
    return {"cpu": 100 * (c1 - c0) / (t1 - t0), "rate": (r1 - r0 - 1) / (t1 - t0), "rss": sum(rss) / len(rss)}

def flatline(n, port, status_port):
    with tempfile.TemporaryDirectory() as folder:
        create_token(folder)
        if n: seed_monitors(folder, n, INTERVAL, f"http://127.0.0.1:{port}/")
        p, _ = start_flatline(folder)
        try:
            wait_for_rate(status_port, n)
            return measure([p.pid], status_port)
        finally:
            stop(p)

def blackbox(n, port, status_port):
    with tempfile.TemporaryDirectory() as folder:
        bb_port, prom_port = free_port(), free_port()
        with open(f"{folder}/blackbox.yml", "w") as f:
            f.write("modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n")
        targets = "\n".join(f"        - http://127.0.0.1:{port}/?m={i}" for i in range(n))
        scrape = f"""  - job_name: blackbox
    metrics_path: /probe
    params: {{module: [http_2xx]}}
    static_configs:
      - targets:
{targets}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:{bb_port}
"""
        with open(f"{folder}/prometheus.yml", "w") as f:
            f.write(f"global:\n  scrape_interval: {INTERVAL}s\n  scrape_timeout: 10s\n" + (f"scrape_configs:\n{scrape}" if n else "scrape_configs: []\n"))
        bb = subprocess.Popen(["prometheus-blackbox-exporter", f"--config.file={folder}/blackbox.yml", f"--web.listen-address=127.0.0.1:{bb_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        prom = subprocess.Popen(["prometheus", f"--config.file={folder}/prometheus.yml", f"--storage.tsdb.path={folder}/data",
                                 f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    if urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/-/ready", timeout=1).status == 200: break
                except OSError: time.sleep(0.1)
            wait_for_rate(status_port, n)
            return measure([bb.pid, prom.pid], status_port)
        finally:
            for p in (prom, bb):
                p.terminate()
                try: p.wait(20)
                except subprocess.TimeoutExpired: p.kill(); p.wait()

ensure_blackbox()
rows = []
load_start = os.getloadavg()[0]
with tempfile.TemporaryDirectory() as nginx_folder:
    port, status_port = start_nginx(nginx_folder, status=True)
    try:
        for n in STEPS:
            for name, run in (("Flatline", flatline), ("Prometheus + blackbox_exporter", blackbox)):
                r = run(n, port, status_port)
                print(name, n, r, flush=True)
                rows.append((name, n, r))
    finally:
        stop_nginx(nginx_folder)
load_end = os.getloadavg()[0]

def version(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r"version (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "?"
prom_v, bb_v = version(["prometheus", "--version"]), version(["prometheus-blackbox-exporter", "--version"])
lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-peers.py` — each system alone against the same nginx (1 worker, `return 200`, access log off) on 127.0.0.1; "
         f"every monitor an HTTP GET every {INTERVAL} s, no retries; CPU = utime+stime over a {WINDOW} s window once the full check rate reached nginx "
         f"(nginx's stub_status), summed over the system's processes, as % of one core; RSS = mean of {SAMPLES} samples, summed. "
         f"Prometheus {prom_v} + blackbox_exporter {bb_v} from Debian, Prometheus scraping `/probe` per target (the usual relabelling), so its figure "
         f"includes storing every probe's series. Uptime Kuma 2.5.3 cannot be installed from the registries here: its rows are quoted from "
         f"`../shared/peers.md` (measured 2026-12-01 on this kind of machine, same method). Load average {load_start:.2f} at the start and {load_end:.2f} at the end.", "",
         "| System | Monitors | Checks/s reaching nginx | CPU (% of a core) | CPU ms per check | RSS |", "|---|---|---|---|---|---|"]
for n in STEPS:
    for name, m, r in rows:
        if m != n: continue
        per_check = f"{10 * r['cpu'] / r['rate']:.2f}" if n and r["rate"] > 0 else "—"
        monitors = "0 (idle)" if n == 0 else f"{n:,}"
        rate = "—" if n == 0 else f"{r['rate']:.1f}"
        lines.append(f"| {name} | {monitors} | {rate} | {r['cpu']:.2f} | {per_check} | {r['rss']:.1f} MB |")
    if n in KUMA:
        k = KUMA[n]
        lines.append(f"| Uptime Kuma 2.5.3 (peers.md, 2026-12-01) | {k[0]} | {k[1]} | {k[2]} | {k[3]} | {k[4]} |")
lines += ["", "CPU ms per check = % of a core × 10 / checks per second (a core-second is 1,000 ms)."]
write_section("peers", "Side by side with other monitors", lines)
