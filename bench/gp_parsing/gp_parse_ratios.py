#!/usr/bin/python3
"""Runs gp_parse_bench and prints, per fixture, raw simdjson MB/s, parse-and-map
MB/s (fresh message, the path the GP sources use), parse-and-map into a reused
message, and the ratios to the raw parse (median of the repetitions); then the
paired ratio (raw and fresh parse-and-map timed in the same loop, iteration by
iteration: the median over repetitions of the ratio of the per-iteration
medians), which holds up better on a shared, loaded machine.

usage: gp_parse_ratios.py BUILD_DIR/bench/gp_parsing/gp_parse_bench [REPETITIONS]
"""
import json
import subprocess
import sys

binary = sys.argv[1]
reps = sys.argv[2] if len(sys.argv) > 2 else "5"
out = subprocess.run([binary, "--benchmark_format=json", "--benchmark_repetitions=" + reps,
                      "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.5"],
                     check=True, capture_output=True, text=True).stdout
rates = {}
for b in json.loads(out)["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    kind, fixture = b["run_name"].split("/", 1)
    if kind == "paired":
        rates.setdefault(fixture, {})[kind] = b["ratio"]
    else:
        rates.setdefault(fixture, {})[kind] = b["bytes_per_second"] / 1e6
print("| fixture | raw simdjson MB/s | parse+map MB/s | ratio | parse+map reused MB/s | ratio "
      "| paired ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for fixture, r in sorted(rates.items()):
    raw, fresh, reused = r["raw_simdjson"], r["parse_and_map"], r["parse_and_map_reused"]
    print("| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.2f |" % (
        fixture, raw, fresh, fresh / raw, reused, reused / raw, r["paired"]))
