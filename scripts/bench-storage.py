#!/usr/bin/env python3
"""Bytes of database per stored check, and the database size after a simulated 90 days for 1,000
monitors at 60 s (every check and rollup row written, in the order and format the result writer
uses), beside the size extrapolated from measured row sizes. Writes its section of docs/benchmarks.md."""
import os, random, sqlite3, subprocess, sys, tempfile, time
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

DAYS = 90
ERROR = "unexpected status 503 (expected 2xx)"

def simulate_90_days():
    """A fresh database with 1,000 monitors at 60 s and everything the writer leaves after 90 days:
    every check (1 % failures with an error text), an hourly and a daily rollup row per monitor.
    Checks are generated inside SQLite, minute by minute with the monitors interleaved, as they arrive."""
    with tempfile.TemporaryDirectory() as folder:
        create_token(folder)
        seed_monitors(folder, MONITORS, 60, "https://api.example.com/health")
        db = sqlite3.connect(f"{folder}/flatline.db")
        # The journal mode changes how a bulk load is made safe, not the layout of the file it leaves.
        db.execute("PRAGMA journal_mode=OFF"); db.execute("PRAGMA synchronous=OFF"); db.execute("PRAGMA cache_size=-262144")
        start, t0 = 1_780_000_000_000, time.perf_counter()
        for day in range(DAYS):
            db.execute("""
                INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error)
                WITH RECURSIVE minute(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM minute WHERE i < 1439),
                arrivals AS MATERIALIZED (
                    SELECT m.id AS id, ? + (? * 1440 + minute.i) * 60000 + m.id * 7 AS at, abs(random()) AS r
                    FROM minute CROSS JOIN monitors m ORDER BY minute.i, m.id)
                SELECT id, at, r % 100 <> 0, CASE WHEN r % 100 <> 0 THEN 15000 + (r / 100) % 385001 END,
                       CASE WHEN r % 100 <> 0 THEN 200 ELSE 503 END, CASE WHEN r % 100 = 0 THEN ? END
                FROM arrivals""", (start, day, ERROR))
            db.commit()
        checks = db.execute("SELECT count(*) FROM checks").fetchone()[0]
        hour0, day0 = start // 3_600_000, start // 86_400_000
        blob = bytes([1, 0, 30]) + bytes(x for _ in range(30) for x in (1, 2))
        day_blob = bytes([1, 0, 60]) + bytes(x for _ in range(60) for x in (1, 24))
        for h in range(DAYS * 24):
            db.executemany("INSERT INTO rollups_hourly (monitor_id, hour, checks, failures, enabled_ms, down_ms, latency) VALUES (?, ?, 60, 1, 3600000, 0, ?)",
                           ((m, hour0 + h, blob) for m in range(1, MONITORS + 1)))
        for d in range(DAYS):
            db.executemany("INSERT INTO rollups_daily (monitor_id, day, checks, failures, enabled_ms, down_ms, latency) VALUES (?, ?, 1440, 14, 86400000, 0, ?)",
                           ((m, day0 + d, day_blob) for m in range(1, MONITORS + 1)))
        db.commit(); db.close()
        return checks, os.path.getsize(f"{folder}/flatline.db"), time.perf_counter() - t0

simulated_checks, simulated_size, simulated_s = simulate_90_days()
checks_90d = MONITORS * 1440 * 90
size_90d = checks_90d * per_check + MONITORS * (90 * 24 + 90) * per_hour_row
holds = per_check <= 48
lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-storage.py` — {MONITORS * CHECKS:,} checks (1,000 monitors × {CHECKS:,}, 1 % failures with an error text) "
         "written in the result writer's row format (`checks` is keyed by (monitor, time) without a rowid), then hourly rollup rows; "
         "growth of the database file measured after a checkpoint. Then, in a fresh database, 90 days of 1,000 monitors at 60 s are written "
         "whole (checks generated inside SQLite minute by minute, monitors interleaved, plus every hourly and daily rollup row) and the file is measured.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|",
         f"| Database bytes per stored check | {per_check:.1f} B | ≤ 48 B | {'yes' if holds else '**no**'} |",
         f"| Database bytes per rollup row (hourly or daily) | {per_hour_row:.0f} B | — | |",
         f"| 90 days, 1,000 monitors at 60 s, simulated: {simulated_checks:,} checks, {MONITORS * DAYS * 24:,} hourly and {MONITORS * DAYS:,} daily rollup rows written in {simulated_s:.0f} s | {simulated_size / 1e9:.2f} GB ({simulated_size / simulated_checks:.1f} B per check, rollups included) | — | |",
         f"| Same, extrapolated from the two rows above | {size_90d / 1e9:.2f} GB | — | |"]
write_section("storage", "Storage", lines)
