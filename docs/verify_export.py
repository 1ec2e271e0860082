#!/usr/bin/env python3
"""Verify a Gatehouse audit export offline (Python 3, standard library only).

    python3 verify_export.py audit.jsonl      # exit 0 if the chain verifies, 1 otherwise

Each line is one record. hash = SHA-256 hex of the JCS (RFC 8785) form of the record without its
"hash" field; prev_hash links to the previous record (64 zeros for seq 1); seq has no gaps.
json.dumps(sort_keys, compact, ensure_ascii=False) equals JCS for Gatehouse records as long as the
numbers in them are integers (JCS formats non-integers the ECMAScript way, e.g. 1e-7 where Python
writes 1e-07) and no object key lies outside the Basic Multilingual Plane.
"""
import hashlib
import json
import sys


def verify(path):
    prev, seq = "0" * 64, 1
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                return False, seq, "line is not valid JSON"
            if rec.get("seq") != seq:
                return False, seq, "record missing or out of order"
            if rec.get("prev_hash") != prev:
                return False, seq, "prev_hash does not link to the previous record"
            body = {k: v for k, v in rec.items() if k != "hash"}
            canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if hashlib.sha256(canon.encode("utf-8")).hexdigest() != rec.get("hash"):
                return False, seq, "hash does not match the record"
            prev, seq = rec["hash"], seq + 1
    return True, seq - 1, prev


if __name__ == "__main__":
    ok, n, info = verify(sys.argv[1])
    print(f"OK: {n} records, head {info}" if ok else f"BROKEN at seq {n}: {info}")
    sys.exit(0 if ok else 1)
