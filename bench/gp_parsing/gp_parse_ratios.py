#!/usr/bin/python3
"""Runs gp_parse_bench and prints, per fixture, raw simdjson MB/s (the ceiling)
and, for each way of mapping, its MB/s and ratio to the raw parse (median of
the repetitions):

  arena   the production path: a fresh GpSummary on a fresh Arena
          (adapters::GpSummaryArenaOptions()), arena destroyed each time, as
          the gateway's GP views build it on the call's arena
  heap    a fresh heap message (GpRecordSource::GetGpSummary); for comparison
  reused  one reused message; for comparison

then the paired ratios (raw parse and mapping timed in the same loop, iteration
by iteration: the median over repetitions of the ratio of the per-iteration
medians), which hold up better on a shared, loaded machine: "paired arena" for
the production path, the one the >= 0.5 target applies to, and "paired heap".

One process's figures depend on where its buffers and code happen to lie (the
same build gives paired ratios some 0.03 apart from one process to the next),
so --processes N runs the bench in N fresh processes, one after another, and
prints the median over them of every figure, and the lowest and highest paired
arena ratio of the N.

usage: gp_parse_ratios.py BUILD_DIR/bench/gp_parsing/gp_parse_bench [REPETITIONS] [FILTER]
                          [--processes N]
"""
import argparse
import json
import statistics
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("reps", nargs="?", type=int, default=5)
parser.add_argument("filter", nargs="?", default="")
parser.add_argument("--processes", type=int, default=1)
opts = parser.parse_args()

args = [opts.binary, "--benchmark_format=json", "--benchmark_repetitions=%d" % opts.reps,
        "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.5"]
if opts.filter:
    args.append("--benchmark_filter=" + opts.filter)


def run_once():
    """One process: {fixture: {kind: MB/s, or the ratio for the paired kinds}}."""
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rates = {}
    # One repetition reports its run (no aggregate); more report aggregates, of
    # which the median is read.
    wanted = "median" if opts.reps > 1 else None
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != wanted:
            continue
        kind, fixture = b["run_name"].split("/", 1)
        if kind.startswith("paired"):
            rates.setdefault(fixture, {})[kind] = b["ratio"]
        else:
            rates.setdefault(fixture, {})[kind] = b["bytes_per_second"] / 1e6
    return rates


runs = [run_once() for _ in range(opts.processes)]
fixtures = sorted(runs[0])


def median(fixture, kind):
    return statistics.median(r[fixture][kind] for r in runs)


spread = opts.processes > 1
print("| fixture | raw simdjson MB/s | arena (production) MB/s | ratio | heap MB/s | ratio "
      "| reused MB/s | ratio | paired arena (production) | paired heap |" +
      (" paired arena, lowest - highest of %d processes |" % opts.processes if spread else ""))
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if spread else ""))
for fixture in fixtures:
    raw = median(fixture, "raw_simdjson")
    arena, heap = median(fixture, "parse_and_map_arena"), median(fixture, "parse_and_map_heap")
    reused = median(fixture, "parse_and_map_reused")
    # The paired ratios to three decimals: the target is a threshold (0.5), and
    # two decimals would round 0.495 up to it.
    line = "| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | **%.3f** | %.3f |" % (
        fixture, raw, arena, arena / raw, heap, heap / raw, reused, reused / raw,
        median(fixture, "paired"), median(fixture, "paired_heap"))
    if spread:
        paired = [r[fixture]["paired"] for r in runs]
        line += " %.3f - %.3f |" % (min(paired), max(paired))
    print(line)
