#!/usr/bin/env python3
"""Verify a Gatehouse audit export offline (Python 3, standard library only).

    python3 verify_export.py audit.jsonl      # exit 0 if the chain verifies, 1 otherwise

Each line is one record. hash = SHA-256 hex of the JCS (RFC 8785) form of the record without its
"hash" field; prev_hash links to the previous record (64 zeros for seq 1); seq has no gaps.
JCS differs from Python's json.dumps(sort_keys=True) in two places, both handled below: keys are
sorted by their UTF-16 code units (an emoji key sorts before "｡"), and a non-integer is written the
ECMAScript way (1e-7 and 0.00001 where Python writes 1e-07 and 1e-05).
"""
import hashlib
import json
import sys


def num(x):
    """A float as JCS (ECMAScript's Number.toString) writes it; repr already gives the shortest digits."""
    s = repr(x)
    if "e" not in s:
        return s
    m, e = s.split("e")
    e = int(e)
    if -7 < e < 0:  # ECMAScript writes 1e-6 .. 1e-4 as plain decimals
        sign, digits = ("-", m[1:]) if m.startswith("-") else ("", m)
        return sign + "0." + "0" * (-e - 1) + digits.replace(".", "")
    return f"{m}e{'+' if e > 0 else '-'}{abs(e)}"


def jcs(v):
    """RFC 8785: no whitespace, keys sorted by UTF-16 code units, ECMAScript numbers."""
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(v[k]) for k in keys) + "}"
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    if isinstance(v, float):
        return num(v)
    return json.dumps(v, ensure_ascii=False)


class RepeatedKey(ValueError):
    pass


def unique_keys(pairs):
    """An object from its pairs, refusing a repeated key: json.loads keeps the last, another reader
    the first, so a line could show one value while its hash covers the other."""
    if len({k for k, _ in pairs}) < len(pairs):
        raise RepeatedKey()
    return dict(pairs)


def verify(path):
    prev, seq = "0" * 64, 1
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line, object_pairs_hook=unique_keys)
            except RepeatedKey:
                return False, seq, "a key is repeated in the line"
            except ValueError:
                return False, seq, "line is not valid JSON"
            if rec.get("seq") != seq:
                return False, seq, "record missing or out of order"
            if rec.get("prev_hash") != prev:
                return False, seq, "prev_hash does not link to the previous record"
            body = {k: v for k, v in rec.items() if k != "hash"}
            if hashlib.sha256(jcs(body).encode("utf-8")).hexdigest() != rec.get("hash"):
                return False, seq, "hash does not match the record"
            prev, seq = rec["hash"], seq + 1
    return True, seq - 1, prev


if __name__ == "__main__":
    ok, n, info = verify(sys.argv[1])
    print(f"OK: {n} records, head {info}" if ok else f"BROKEN at seq {n}: {info}")
    sys.exit(0 if ok else 1)
