#!/usr/bin/env python3
"""Check one Gatehouse archive on its own against its checkpoint (Python 3, standard library only).

    python3 verify_archive.py archive/audit-1001-2000.jsonl.gz    # exit 0 if it is the signed log

Beside the archive lie audit-<first>-<last>.checkpoint (the C2SP note of the first <last> records)
and audit-<first>-<last>.prefix.json (the Merkle subtrees of records 1..<first - 1>, largest first).
The records continue the chain from the prefix's prev_hash, and the prefix's subtrees with the
records' leaves give the root the checkpoint signs: each leaf is pushed as a subtree of one, and two
subtrees of equal size merge into their parent (RFC 6962: node = SHA-256(0x01 || left || right)).
The first record holds prev_hash, so the signed root covers the link too. Check the checkpoint's
signature with openssl (README). Records are hashed in JCS form by verify_export.py's jcs (keep the two
files side by side).
"""
import base64
import gzip
import hashlib
import json
import sys

from verify_export import jcs


def sha(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def verify(path):
    base = path[: -len(".jsonl.gz")]
    with open(base + ".checkpoint", encoding="utf-8") as f:
        origin, size, b64root = f.read().split("\n")[:3]
    with open(base + ".prefix.json", encoding="utf-8") as f:
        prefix = json.load(f)
    stack = [(s["size"], bytes.fromhex(s["hash"])) for s in prefix["subtrees"]]
    prev, seq = prefix["prev_hash"], prefix["size"] + 1
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("seq") != seq:
                return False, f"record {seq} missing or out of order"
            if rec.get("prev_hash") != prev:
                return False, f"record {seq}: prev_hash does not link to the record before it"
            body = {k: v for k, v in rec.items() if k != "hash"}
            if hashlib.sha256(jcs(body).encode("utf-8")).hexdigest() != rec["hash"]:
                return False, f"record {seq} does not match its hash"
            stack.append((1, sha(b"\x00", bytes.fromhex(rec["hash"]))))
            while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
                (n, right), (_, left) = stack.pop(), stack.pop()
                stack.append((2 * n, sha(b"\x01", left, right)))
            prev, seq = rec["hash"], seq + 1
    if seq - 1 != int(size):
        return False, f"the archive ends at record {seq - 1}, the checkpoint covers {size}"
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = sha(b"\x01", left, root)
    if root != base64.b64decode(b64root):
        return False, f"records {prefix['size'] + 1}..{size} with the prefix do not give the root signed for {origin}"
    return True, f"records {prefix['size'] + 1}..{size} are the signed log of {origin}"


if __name__ == "__main__":
    ok, info = verify(sys.argv[1])
    print(("OK: " if ok else "MISMATCH: ") + info)
    sys.exit(0 if ok else 1)
