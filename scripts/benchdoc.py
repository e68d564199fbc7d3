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
