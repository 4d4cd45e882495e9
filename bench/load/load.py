#!/usr/bin/python3
"""The load benchmark: drives each view of a real caregate on loopback with
h2load, and in the same run measures the ceiling, an empty unary call
(grpc.health.v1.Health/Check) on the same server build, machine and
concurrency. Every run is bounded in request count and time, on 127.0.0.1
only.

  bench/load/load.py BUILD_DIR [--requests N] [--concurrency C] [--seconds S]
                               [--bundle FILE] [--views V1,V2]

Prints a Markdown table for bench/RESULTS.md: throughput, p50/p99 latency,
each view's throughput as a ratio of the ceiling, the gateway's CPU time per
request (user + system, from /proc; steadier than throughput on a shared
machine) and its peak resident memory (VmHWM).

With --rounds N (default 3) the ceiling and the views are run N times in turn
(ceiling, views, ceiling, views, ...), because this VM's speed drifts by tens
of percent within a minute: each view's ratio is the median over the rounds of
its throughput divided by the ceiling measured in the same round, and the
other columns are medians over the rounds. The per-round ratios are printed
below the table.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time


def frame(message_bytes):
    """One gRPC length-prefixed message, as h2load sends it (-d FILE)."""
    return b"\x00" + struct.pack(">I", len(message_bytes)) + message_bytes


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def summary_request(nhs_number):
    """caregate.v1.SummaryRequest{nhs_number, purpose=DIRECT_CARE} by hand, so
    the load driver needs no generated code."""
    nhs = nhs_number.encode()
    return b"\x0a" + varint(len(nhs)) + nhs + b"\x10\x01"


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(log_file):
    times = []
    with open(log_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                times.append(int(parts[2]) / 1000.0)  # microseconds → ms
    times.sort()
    if not times:
        return 0.0, 0.0
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def run_view(server_pid, port, name, path, body, token, args, workdir):
    key = re.sub(r"\W+", "_", name)
    body_file = os.path.join(workdir, key + ".bin")
    with open(body_file, "wb") as f:
        f.write(frame(body))
    log_file = os.path.join(workdir, key + ".log")
    cmd = ["h2load", "-n", str(args.requests), "-c", str(args.connections),
           "-m", str(max(1, args.concurrency // args.connections)), "-t", "1",
           "-d", body_file, "--log-file", log_file,
           "-H", "content-type: application/grpc", "-H", "te: trailers"]
    if token:
        cmd += ["-H", f"authorization: Bearer {token}"]
    if getattr(args, "rate", None):
        cmd += ["--rps", str(args.rate)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    started, cpu_before = time.monotonic(), cpu_seconds(server_pid)
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=args.seconds).stdout
    elapsed, cpu = time.monotonic() - started, cpu_seconds(server_pid) - cpu_before
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    succeeded = int(re.search(r"(\d+) succeeded", out).group(1))
    p50, p99 = percentiles(log_file)
    return {"name": name, "rps": rps, "p50": p50, "p99": p99,
            "succeeded": succeeded, "elapsed": elapsed,
            "cpu_us": cpu * 1e6 / max(1, succeeded)}


def start_caregate(caregate, data_dir):
    server = subprocess.Popen(
        [caregate, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
         "--data_dir=" + data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(re.search(r":(\d+)$", server.stdout.readline().strip()).group(1))
    return server, port


def ctl(build_dir, *args):
    return subprocess.run([os.path.join(build_dir, "cli", "caregatectl"), *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3,
                        help="times the ceiling and the views are run in turn")
    parser.add_argument("--views", default="social-care-summary,gp-summary,combined-profile",
                        help="comma-separated views to drive after the ceiling "
                             "(the combined profile also runs at half its peak)")
    parser.add_argument("--bundle", default=os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures", "gpconnect",
        "gpc-access-structured.json"),
        help="GP bundle served for the benchmark person (about 400 KB)")
    args = parser.parse_args()

    caregate = os.path.join(args.build_dir, "gateway", "caregate")
    workdir = tempfile.mkdtemp(prefix="caregate-load-")
    data = os.path.join(workdir, "data")
    person = "9991047298"  # demo person at practice A99001, known to the council
    # First start makes the demo data; then the person's GP bundle is pointed
    # at the ~400 KB bundle and caregate restarted to load the index.
    server, port = start_caregate(caregate, data)
    server.terminate()
    server.wait(timeout=30)
    index_file = os.path.join(data, "demo", "gp", "index.json")
    with open(index_file) as f:
        index = json.load(f)
    # A symlink in the (temporary) bundle directory: the index only names
    # files inside it, and nothing from shared/ is copied.
    os.symlink(os.path.abspath(args.bundle), os.path.join(data, "demo", "gp", "bench.json"))
    index[person] = "bench.json"
    with open(index_file, "w") as f:
        json.dump(index, f)
    server, port = start_caregate(caregate, data)
    try:
        address = f"127.0.0.1:{port}"
        token = {}
        for role, user, org in (("social_worker", "sw-001", "X99LA"),
                                ("gp", "gp-001", "A99001"),
                                ("int_member", "int-001", "INT-NORTH")):
            token[role] = ctl(args.build_dir, "token", "--role", role, "--user", user,
                              "--org", org, "--ttl", "1h", "--data-dir", data)
        for direction in ("gp-to-social-care", "social-care-to-gp", "integrated-team"):
            ctl(args.build_dir, "--address", address, "--token", token["social_worker"],
                "consent", "record", "--nhs-number", person, "--direction", direction,
                "--decision", "permit", "--decided-by", "person", "--method", "verbal")
        # h2load counts every HTTP 200 as a success, so check once that each
        # view really answers gRPC OK.
        for view, role in (("social-care-summary", "gp"), ("gp-summary", "social_worker"),
                           ("combined-profile", "int_member")):
            out = ctl(args.build_dir, "--address", address, "--token", token[role], "get", view,
                      "--nhs-number", person)
            assert "disclosure {" in out, f"{view} did not answer OK"
        body = summary_request(person)
        ceiling_name = "ceiling: empty unary call (grpc.health.v1.Health/Check)"
        views = [("social-care-summary", "social care summary (GP)", "GetSocialCareSummary", "gp"),
                 ("gp-summary", "GP summary (social worker)", "GetGpSummary", "social_worker"),
                 ("combined-profile", "combined profile (INT member)", "GetCombinedProfile",
                  "int_member")]
        wanted = args.views.split(",")
        rounds = []  # per round: the results, ceiling first, each with its ratio
        for _ in range(max(1, args.rounds)):
            ceiling = run_view(server.pid, port, ceiling_name, "/grpc.health.v1.Health/Check",
                               b"", None, args, workdir)
            ceiling["ratio"] = 1.0
            results = [ceiling]
            for key, name, method, role in views:
                if key not in wanted:
                    continue
                r = run_view(server.pid, port, name, f"/caregate.v1.RecordService/{method}",
                             body, token[role], args, workdir)
                r["ratio"] = r["rps"] / ceiling["rps"]
                results.append(r)
            rounds.append(results)

        def median(values):
            values = sorted(values)
            return values[len(values) // 2]

        summary = []
        for i, first in enumerate(rounds[0]):
            row = {"name": first["name"]}
            for k in ("rps", "ratio", "p50", "p99", "succeeded", "cpu_us"):
                row[k] = median([results[i][k] for results in rounds])
            summary.append(row)
        if "combined-profile" in wanted:
            half = argparse.Namespace(**vars(args))
            half.rate = max(1, int(summary[-1]["rps"] / 2 / args.connections))
            r = run_view(server.pid, port, "combined profile at half its peak rate",
                         "/caregate.v1.RecordService/GetCombinedProfile", body,
                         token["int_member"], half, workdir)
            r["ratio"] = r["rps"] / summary[0]["rps"]
            summary.append(r)
        peak = vm_hwm_kib(server.pid)
        print(f"bundle for the benchmark person: {os.path.getsize(args.bundle) / 1024:.0f} KiB")
        print(f"rounds: {len(rounds)} (medians; a ratio is to the ceiling of its own round)")
        print("| call | req/s | ratio to ceiling | p50 ms | p99 ms | succeeded "
              "| gateway CPU µs/request |")
        print("|---|---|---|---|---|---|---|")
        for r in summary:
            print(f"| {r['name']} | {r['rps']:.0f} | {r['ratio']:.2f} | "
                  f"{r['p50']:.2f} | {r['p99']:.2f} | {r['succeeded']} | {r['cpu_us']:.0f} |")
        print()
        for i, first in enumerate(rounds[0]):
            cells = ", ".join(f"{results[i]['rps']:.0f} req/s ({results[i]['ratio']:.2f})"
                              for results in rounds)
            print(f"- {first['name']}, each round: {cells}")
        print(f"\ngateway peak RSS (VmHWM) after every run: {peak / 1024:.1f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
