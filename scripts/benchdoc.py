"""Shared by the benchmark scripts: the machine line and writing one section of docs/benchmarks.md."""
import datetime, os, platform, re, socket, subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc = os.path.join(root, "docs", "benchmarks.md")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def machine_line():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}; date {date}; commit {commit}."

def write_section(key, title, lines):
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n\nEach section is written by the script it names; numbers are from one run on the machine it states.\n"
    section = f"<!-- {key}:begin -->\n## {title}\n\n" + "\n".join(lines) + f"\n<!-- {key}:end -->"
    pattern = re.compile(f"<!-- {key}:begin -->.*?<!-- {key}:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
    os.makedirs(os.path.dirname(doc), exist_ok=True)
    open(doc, "w").write(text)
    print(section)

# --- shared by the benchmarks that run Flatline and nginx ---
import http.client, json, shutil, signal, time

binary = os.environ.get("FLATLINE_BINARY", os.path.join(root, "artifacts", "publish", "flatline"))

def flatline_env(folder):
    return {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "warning", "DATABASE_URL": f"sqlite:{folder}/flatline.db",
            **{k: v for k, v in os.environ.items() if k.startswith("DOTNET_")}}

def create_token(folder):
    out = subprocess.run([binary, "token", "create", "--name", "bench"], cwd=folder, env=flatline_env(folder), capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]

def create_location(folder, name, executable=None):
    """`flatline location create NAME` against the database in `folder`; the agent token it prints (once)."""
    out = subprocess.run([executable or binary, "location", "create", name], cwd=folder, env=flatline_env(folder),
                         capture_output=True, text=True, check=True)
    token = out.stdout.strip().splitlines()[-1]
    if not token.startswith("fla_"): raise SystemExit(f"location create printed no token: {out.stdout}")
    return token

def start_flatline(folder, env=None, log=None, netns=None):
    """Starts Flatline (with `env` added to its environment, its output to the file `log`; inside the
    network namespace `netns` when given, through `ip netns exec`, which execs it under the same pid)
    and waits for /healthz."""
    port = free_port()
    output = open(log, "w") if log else subprocess.DEVNULL
    prefix = ["ip", "netns", "exec", netns] if netns else []
    p = subprocess.Popen(prefix + [binary, "--address", f"127.0.0.1:{port}"], cwd=folder, env={**flatline_env(folder), **(env or {})},
                         stdout=output, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if netns:
                code = subprocess.run(prefix + ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", f"http://127.0.0.1:{port}/healthz"],
                                      capture_output=True, text=True).stdout
                if code == "200": return p, port
            else:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/healthz")
                if c.getresponse().status == 200: return p, port
        except OSError:
            pass
        time.sleep(0.02)
    p.kill(); raise SystemExit("flatline did not become healthy")

def stop(p):
    p.send_signal(signal.SIGTERM)
    try: p.wait(20)
    except subprocess.TimeoutExpired: p.kill(); p.wait()

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    return float("nan")

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def start_nginx(folder, status=False):
    """nginx-light on 127.0.0.1 with its own config: a tiny 200 at /. With `status`, also stub_status on a
    port of its own (so that the load can be counted at nginx) and (port, status_port) comes back."""
    port, status_port = free_port(), free_port()
    status_server = f"  server {{ listen 127.0.0.1:{status_port}; location / {{ stub_status; }} }}\n" if status else ""
    os.makedirs(f"{folder}/nginx/logs", exist_ok=True)
    conf = f"""
worker_processes 1;
pid {folder}/nginx/nginx.pid;
error_log {folder}/nginx/logs/error.log warn;
events {{ worker_connections 65535; }}
http {{
  access_log off;
  keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port} backlog=65535; location / {{ return 200 "ok\\n"; }} }}
{status_server}}}
"""
    with open(f"{folder}/nginx/nginx.conf", "w") as f: f.write(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-p", f"{folder}/nginx", "-c", f"{folder}/nginx/nginx.conf"], check=True)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/")
            if c.getresponse().status == 200: return (port, status_port) if status else port
        except OSError: time.sleep(0.02)
    raise SystemExit("nginx did not start")

def sse_client(port, token, stop_event, counter):
    """A live SSE client (a dashboard) until `stop_event`: counter[0] counts its messages, counter[1]
    becomes 1 if Flatline dropped it (for falling behind)."""
    import socket
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /api/v1/stats/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    s.settimeout(1)
    while not stop_event.is_set():
        try:
            data = s.recv(65536)
            if not data: counter[1] += 1; break
            counter[0] += data.count(b"data: ")
        except socket.timeout:
            continue
    s.close()

def stop_nginx(folder):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-p", f"{folder}/nginx", "-c", f"{folder}/nginx/nginx.conf", "-s", "stop"], check=False)

def seed_monitors(folder, count, interval, url=None, config=None):
    """Monitors written straight into a migrated database, as the API would store them: http ones on
    `url`, or each with `config(i)`, a check type's config as the API stores it."""
    import sqlite3
    db = sqlite3.connect(f"{folder}/flatline.db")
    now = int(time.time() * 1000)
    http_config = json.dumps({"type": "http", "url": url, "method": "GET", "expected_status": ["2xx"], "headers": None,
                              "body": None, "keyword": None, "follow_redirects": True, "verify_tls": True})
    db.executemany("INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at, enabled_at, accounted_until) VALUES (?, ?, ?, ?, 5, 0, 1, ?, ?, ?, ?)",
                   ((f"00000000-0000-7000-8000-{i:012d}", f"monitor {i}", json.dumps(config(i)) if config else http_config, interval, now, now, now, now)
                    for i in range(count)))
    db.commit(); db.close()
