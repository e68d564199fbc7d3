#!/usr/bin/env python3
"""Bytes of database per stored check, and the database size after 90 days for 1,000 monitors at
60 s, extrapolated from measured row sizes. Rows are written in the exact format the result
writer uses. Writes its section of docs/benchmarks.md."""
import os, random, sqlite3, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

MONITORS, CHECKS = 1000, 2000
with tempfile.TemporaryDirectory() as folder:
    create_token(folder)
    seed_monitors(folder, MONITORS, 60, "https://api.example.com/health")
    db = sqlite3.connect(f"{folder}/flatline.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("VACUUM"); db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = os.path.getsize(f"{folder}/flatline.db")
    rng = random.Random(3)
    start = 1_780_000_000_000
    def rows():
        # The writer's shape: one monitor's checks arrive in time order, monitors interleaved.
        for i in range(CHECKS):
            for m in range(1, MONITORS + 1):
                ok = rng.random() > 0.01
                yield (m, start + i * 60_000 + m * 7, 1 if ok else 0, rng.randint(15_000, 400_000) if ok else None,
                       200 if ok else 503, None if ok else "unexpected status 503 (expected 2xx)")
    db.executemany("INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error) VALUES (?, ?, ?, ?, ?, ?)", rows())
    db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after_checks = os.path.getsize(f"{folder}/flatline.db")
    per_check = (after_checks - before) / (MONITORS * CHECKS)
    # Rollup rows: one hourly and one daily row per monitor, with a histogram of 60 (or 1,440) latencies.
    n_hours = 24 * 10
    blob = bytes([1, 0, 30]) + bytes(x for _ in range(30) for x in (1, 2))
    day_blob = bytes([1, 0, 60]) + bytes(x for _ in range(60) for x in (1, 24))
    db.executemany("INSERT INTO rollups_hourly (monitor_id, hour, checks, failures, enabled_ms, down_ms, latency) VALUES (?, ?, 60, 0, 3600000, 0, ?)",
                   ((m, 500_000 + h, blob) for m in range(1, MONITORS + 1) for h in range(n_hours)))
    db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after_hourly = os.path.getsize(f"{folder}/flatline.db")
    per_hour_row = (after_hourly - after_checks) / (MONITORS * n_hours)
    db.close()

checks_90d = MONITORS * 1440 * 90
size_90d = checks_90d * per_check + MONITORS * (90 * 24 + 90) * per_hour_row
holds = per_check <= 48
lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-storage.py` — {MONITORS * CHECKS:,} checks (1,000 monitors × {CHECKS:,}, 1 % failures with an error text) "
         "written in the result writer's row format (`checks` is keyed by (monitor, time) without a rowid), then hourly rollup rows; "
         "growth of the database file measured after a checkpoint.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|",
         f"| Database bytes per stored check | {per_check:.1f} B | ≤ 48 B | {'yes' if holds else '**no**'} |",
         f"| Database bytes per rollup row (hourly or daily) | {per_hour_row:.0f} B | — | |",
         f"| 90 days, 1,000 monitors at 60 s ({checks_90d:,} checks + rollups), extrapolated from the two rows above | {size_90d / 1e9:.2f} GB | — | |"]
write_section("storage", "Storage", lines)
