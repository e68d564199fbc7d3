#!/usr/bin/env python3
"""Writes Flatline/method-order.txt: the managed methods a server runs from start through a sign-in,
a few API requests and a quiet spell, then those an idle agent adds (start, long polls, its page-out),
in the order they first run. The AOT compiler lays these
methods out first and together (IlcOrderFile in Flatline.csproj), so that the pages an idle server
keeps mapped hold code it uses instead of neighbours that the kernel maps around it (fault-around
maps 64 KB and more around each touched page).

How: an unstripped build, a uprobe on the entry of every managed method (tracefs), one scripted run
of that build on 127.0.0.1, then the trace's first hit per method. Needs root and tracefs. Takes about
half an hour, most of it the kernel removing the probes again one at a time. Run it after large
changes; a method the file does not name is simply laid out after the named ones, so a stale file
costs memory, not correctness."""
import http.client, json, os, re, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import root, free_port, flatline_env, create_location

TRACING = "/sys/kernel/tracing"
GROUP = "flatline_layout"
OUTPUT = os.path.join(root, "Flatline", "method-order.txt")

def tracing(name, value):
    with open(f"{TRACING}/{name}", "w") as f: f.write(value)

def managed_methods(binary):
    """(address, symbol) of every method in the executable's managed code section."""
    sections = {}
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m: sections[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    low, size = sections["__managedcode"]
    methods, seen = [], set()
    for line in subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tT":
            address = int(parts[0], 16)
            if low <= address < low + size and address not in seen:
                seen.add(address); methods.append((address, parts[2]))
    return methods

def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    r = c.getresponse(); r.read(); c.close()
    return r.status

def run_scenario(binary):
    """Start, sign-in, token, the dashboard's requests, then a quiet 40 s (the idle collector runs); then an agent idle 90 s."""
    with tempfile.TemporaryDirectory() as folder:
        env, port = flatline_env(folder), free_port()
        with open(f"{folder}/out.txt", "w") as log:
            p = subprocess.Popen([binary, "--address", f"127.0.0.1:{port}"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    if request(port, "GET", "/healthz") == 200: break
                except OSError: time.sleep(0.05)
            token = None
            while time.time() < deadline and token is None:
                token = re.search(r"setup\?token=([0-9a-f]+)", open(f"{folder}/out.txt").read())
                time.sleep(0.1)
            if token is None: raise SystemExit("flatline printed no setup URL")
            json_type = {"Content-Type": "application/json"}
            if request(port, "POST", "/auth/setup", {"token": token.group(1), "name": "owner", "password": "a long profile password"}, json_type) != 201:
                raise SystemExit("setup failed")
            if request(port, "POST", "/auth/login", {"name": "owner", "password": "a long profile password"}, json_type) != 200:
                raise SystemExit("login failed")
            api = subprocess.run([binary, "token", "create", "--name", "profile"], cwd=folder, env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            bearer = {"Authorization": f"Bearer {api}"}
            for path in ("/api/v1/monitors", "/", "/api/v1/stats", "/api/v1/notification-channels", "/api/v1/tokens"):
                if request(port, "GET", path, headers=bearer) != 200: raise SystemExit(f"GET {path} failed")
            time.sleep(40)
            # Then an agent of a new location, from the same file (a uprobe is on the file), idle for as long as
            # the agent benchmark lets it settle: its start, long polls, buffer and page-out, laid out after the
            # server's methods (the ones it shares with the server are among those already).
            agent_token = create_location(folder, "profile", binary)
            with open(f"{folder}/agent.txt", "w") as agent_log:
                agent = subprocess.Popen([binary, "agent", "--server", f"http://127.0.0.1:{port}/", "--data", f"{folder}/agent.db"], cwd=folder,
                                         env={"PATH": os.environ.get("PATH", ""), "FLATLINE_AGENT_TOKEN": agent_token}, stdout=agent_log, stderr=subprocess.STDOUT)
            try:
                time.sleep(90)
                if agent.poll() is not None: raise SystemExit("the agent stopped: " + open(f"{folder}/agent.txt").read())
            finally:
                agent.terminate(); agent.wait(60)
        finally:
            p.terminate(); p.wait(60)

if os.geteuid() != 0: raise SystemExit("profile-layout needs root (uprobes through tracefs)")
if not os.path.exists(f"{TRACING}/uprobe_events"):
    subprocess.run(["mount", "-t", "tracefs", "nodev", TRACING], check=True)

document = os.path.join(root, "artifacts", "openapi.json.gz")
if not os.path.exists(document): raise SystemExit("run scripts/build first: the executable embeds artifacts/openapi.json.gz")
with tempfile.TemporaryDirectory() as build:
    # Built as scripts/build builds it, with the symbols kept so that methods can be found by name.
    subprocess.run(["dotnet", "publish", os.path.join(root, "Flatline"), "-c", "Release", "-r", "linux-x64", "-o", build, "-v", "quiet", "-nologo",
                    "-p:StripSymbols=false", "-p:FlatlineEmbeddedOpenApi=true", f"-p:FlatlineOpenApiDocument={document}"], check=True)
    binary = os.path.join(build, "flatline")
    methods = managed_methods(binary)
    print(f"profile-layout: {len(methods):,} managed methods; registering a uprobe on each", flush=True)
    tracing("tracing_on", "0")
    fd = os.open(f"{TRACING}/uprobe_events", os.O_WRONLY | os.O_APPEND)
    try:
        # One write per probe: tracefs parses each write on its own, and a probe split across two fails.
        for i, (address, _) in enumerate(methods):
            os.write(fd, f"p:{GROUP}/m{i} {binary}:0x{address:x}\n".encode())
    finally:
        os.close(fd)
    try:
        tracing("buffer_size_kb", "262144")
        tracing("options/overwrite", "0")  # a full buffer keeps the first hits and drops later ones
        tracing("trace", "")
        tracing(f"events/{GROUP}/enable", "1")
        tracing("tracing_on", "1")
        run_scenario(binary)
        tracing("tracing_on", "0")
        first, dropped = {}, 0
        with open(f"{TRACING}/trace") as trace:
            for line in trace:
                m = re.search(r"\s(\d+\.\d+): m(\d+):", line)
                if m and int(m.group(2)) not in first: first[int(m.group(2))] = float(m.group(1))
        for cpu in os.listdir(f"{TRACING}/per_cpu"):
            dropped += int(re.search(r"dropped events: (\d+)", open(f"{TRACING}/per_cpu/{cpu}/stats").read()).group(1))
    finally:
        print("profile-layout: removing the probes (the kernel takes about half an hour for 38,000)", flush=True)
        tracing(f"events/{GROUP}/enable", "0")
        with open(f"{TRACING}/uprobe_events", "w") as f: f.write("")
        tracing("buffer_size_kb", "1408")

order = sorted(first, key=first.get)
with open(OUTPUT, "w") as f:
    f.write("".join(methods[i][1] + "\n" for i in order))
touched = sum((methods[i + 1][0] if i + 1 < len(methods) else methods[i][0] + 64) - methods[i][0] for i in order)
print(f"profile-layout: {len(order):,} methods ({touched / 1e6:.2f} MB of {(methods[-1][0] - methods[0][0]) / 1e6:.2f} MB of managed code) "
      f"written to {os.path.relpath(OUTPUT, root)}; {dropped} trace events dropped")
if dropped: raise SystemExit("the trace buffer overflowed: the order may miss methods; run again")
