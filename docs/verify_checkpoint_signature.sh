#!/bin/sh
# Check a Gatehouse checkpoint's Ed25519 signature with openssl (3.0 or later).
#   sh verify_checkpoint_signature.sh checkpoint.txt audit-key.pub
# The signed text is the note's first three lines; the signature line is "— <origin> <base64>",
# the base64 holding a 4-byte key id and the 64-byte signature.
set -e
dir=$(mktemp -d)
head -n 3 "$1" > "$dir/body"
tail -n 1 "$1" | awk '{print $3}' | base64 -d | tail -c 64 > "$dir/sig"
status=0
openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$dir/body" -sigfile "$dir/sig" || status=$?
rm -rf "$dir"
exit $status
