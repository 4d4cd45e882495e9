#!/usr/bin/python3
"""An independent RFC 9162 section 2.1 reference for the Merkle tests.

Written straight from the RFC's recursive definitions (MTH, PATH, PROOF,
SUBPROOF) with hashlib, sharing no code with consent/audit/merkle.cc. Leaf i's
entry bytes are b"leaf-<i>". For every tree size 1..N it prints:
  root <n> <hex>
  incl <m> <n> <hex,hex,...>      for sampled (all when n <= 64) leaf indices m
  cons <m> <n> <hex,hex,...>      for sampled (all when n <= 64) sizes 1 <= m <= n
"""
import hashlib
import sys
from functools import lru_cache

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
LEAVES = [hashlib.sha256(b"\x00" + b"leaf-%d" % i).digest() for i in range(N)]


def k_of(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=None)
def mth(start, n):
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return LEAVES[start]
    k = k_of(n)
    return hashlib.sha256(b"\x01" + mth(start, k) + mth(start + k, n - k)).digest()


def path(m, start, n):
    if n == 1:
        return []
    k = k_of(n)
    if m < k:
        return path(m, start, k) + [mth(start + k, n - k)]
    return path(m - k, start + k, n - k) + [mth(start, k)]


def subproof(m, start, n, b):
    if m == n:
        return [] if b else [mth(start, n)]
    k = k_of(n)
    if m <= k:
        return subproof(m, start, k, b) + [mth(start + k, n - k)]
    return subproof(m - k, start + k, n - k, False) + [mth(start, k)]


def samples(n, lo):
    if n <= 64:
        return range(lo, n + (1 if lo else 0))
    hi = n if lo else n - 1
    picks = {lo, hi, (lo + hi) // 2, lo + (n * 7919) % (hi - lo + 1),
             lo + (n * 104729 + 13) % (hi - lo + 1), hi - 1}
    return sorted(p for p in picks if lo <= p <= hi)


out = sys.stdout
for n in range(1, N + 1):
    out.write("root %d %s\n" % (n, mth(0, n).hex()))
    for m in samples(n, 0):
        out.write("incl %d %d %s\n" % (m, n, ",".join(h.hex() for h in path(m, 0, n))))
    for m in samples(n, 1):
        out.write("cons %d %d %s\n" % (m, n, ",".join(h.hex() for h in subproof(m, 0, n, True))))
