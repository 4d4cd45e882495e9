#!/usr/bin/python3
"""The load benchmark: drives each view of a real caregate on loopback with
h2load, and in the same run measures the ceiling, an empty unary call
(grpc.health.v1.Health/Check) on the same server build, machine and
concurrency. Every run is bounded in request count and time, on 127.0.0.1
only.

  bench/load/load.py BUILD_DIR [--requests N] [--concurrency C] [--seconds S]

Prints a Markdown table for bench/RESULTS.md: throughput, p50/p99 latency,
each view's throughput as a ratio of the ceiling, and the gateway's peak
resident memory (VmHWM).
"""
import argparse
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


def run_view(port, name, path, body, token, args, workdir):
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
    cmd.append(f"http://127.0.0.1:{port}{path}")
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=args.seconds).stdout
    elapsed = time.monotonic() - started
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    succeeded = int(re.search(r"(\d+) succeeded", out).group(1))
    p50, p99 = percentiles(log_file)
    return {"name": name, "rps": rps, "p50": p50, "p99": p99,
            "succeeded": succeeded, "elapsed": elapsed}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--views", default="ceiling")
    args = parser.parse_args()

    caregate = os.path.join(args.build_dir, "gateway", "caregate")
    workdir = tempfile.mkdtemp(prefix="caregate-load-")
    server = subprocess.Popen(
        [caregate, "--listen=127.0.0.1:0", "--data_dir=" + workdir + "/data"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r":(\d+)$", server.stdout.readline().strip()).group(1))
        results = [run_view(port, "ceiling (empty Health/Check)",
                            "/grpc.health.v1.Health/Check", b"", None, args, workdir)]
        peak = vm_hwm_kib(server.pid)
        print(f"| call | req/s | ratio to ceiling | p50 ms | p99 ms | ok |")
        print(f"|---|---|---|---|---|---|")
        ceiling = results[0]["rps"]
        for r in results:
            print(f"| {r['name']} | {r['rps']:.0f} | {r['rps'] / ceiling:.2f} | "
                  f"{r['p50']:.2f} | {r['p99']:.2f} | {r['succeeded']} |")
        print(f"\ngateway peak RSS (VmHWM): {peak / 1024:.1f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
