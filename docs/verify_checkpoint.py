#!/usr/bin/env python3
"""Check that a Gatehouse export reproduces a signed checkpoint's Merkle root (Python 3, stdlib only).

    python3 verify_checkpoint.py audit.jsonl checkpoint.txt    # exit 0 if the root matches

RFC 6962: leaf = SHA-256(0x00 || the record's 32 raw hash bytes), node = SHA-256(0x01 || left || right),
split at the largest power of two below n. The checkpoint is the C2SP note: origin, size, base64 root.
Check the chain with verify_export.py and the signature with openssl (README); together they prove
the export is the log that was signed.
"""
import base64, hashlib, json, sys

def root(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + root(leaves[:k]) + root(leaves[k:])).digest()

origin, size, b64root = open(sys.argv[2], encoding="utf-8").read().split("\n")[:3]
size = int(size)
leaves = []
for line in open(sys.argv[1], encoding="utf-8"):
    if len(leaves) == size:
        break
    leaves.append(hashlib.sha256(b"\x00" + bytes.fromhex(json.loads(line)["hash"])).digest())
if len(leaves) == size and root(leaves) == base64.b64decode(b64root):
    print(f"OK: the first {size} records reproduce the root signed for {origin}")
else:
    sys.exit(f"MISMATCH: the export does not reproduce the root of the {size} records signed for {origin}")
