#!/usr/bin/env python3
"""Every boto3 call governed by Gatehouse — the seeds' "AWS Lambda with Governance", for real.

`enable_governance` (before `import boto3`) makes every botocore client ask Gatehouse in its
`before-call` event, before anything is signed or sent: `list_buckets` is low risk and runs at once;
`delete_bucket` on `production-data` is high risk (delete + production) and waits for your answer
in the Gatehouse console. Denied, it raises `AuthorizationDeniedError` and AWS never sees it.

Run it (with Gatehouse running: `gatehouse serve` or the desktop app; needs boto3):

    python3 examples/aws_lambda_boto3.py --demo             # against a fake S3 on 127.0.0.1 (no AWS account needed)
    python3 examples/aws_lambda_boto3.py --demo --wait 30   # give up waiting after 30 s (the action is withdrawn)
    python3 examples/aws_lambda_boto3.py                    # against your real AWS account: it really deletes the bucket once approved

`--demo` starts a tiny S3 stand-in on 127.0.0.1 and points boto3 at it (AWS_ENDPOINT_URL_S3, dummy
credentials): it prints every request that reaches "AWS", so you can see a refused call never does.
"""

import argparse
import http.server
import logging
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from gatehouse import ApprovalTimeout, AuthorizationDeniedError  # noqa: E402
from gatehouse.boto3_patch import enable_governance  # noqa: E402

BUCKETS_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    "<Owner><ID>1</ID></Owner><Buckets>{}</Buckets></ListAllMyBucketsResult>"
)


def start_fake_s3() -> str:
    """A two-bucket S3 stand-in on 127.0.0.1: list_buckets and delete_bucket, each request printed."""
    buckets = ["production-data", "scratch"]

    class S3(http.server.BaseHTTPRequestHandler):
        def answer(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            print(f"AWS      GET {self.path.split('?')[0]}", flush=True)
            items = "".join(f"<Bucket><Name>{b}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>" for b in buckets)
            self.answer(200, BUCKETS_XML.format(items).encode())

        def do_DELETE(self) -> None:  # noqa: N802
            print(f"AWS      DELETE {self.path}", flush=True)
            name = self.path.strip("/").split("?")[0]
            if name in buckets:
                buckets.remove(name)
            self.answer(204)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), S3)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", action="store_true", help="use a fake S3 on 127.0.0.1 instead of AWS")
    ap.add_argument("--wait", type=float, default=300, help="seconds to wait for an approval (default 300)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="gatehouse: %(message)s")
    if args.demo:
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(
            AWS_ENDPOINT_URL_S3=start_fake_s3(),
            AWS_ACCESS_KEY_ID="AKIDEXAMPLEDEMO",
            AWS_SECRET_ACCESS_KEY="demo",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
        )

    # Enable governance BEFORE importing boto3 (URL and key: GATEHOUSE_URL / GATEHOUSE_API_KEY or the data dir)
    enable_governance(risk_threshold=70, auto_approve_below=30, agent_id="aws-lambda-agent", timeout=args.wait)
    try:
        import boto3
    except ImportError:
        print("this example needs boto3 (pip install boto3, or apt install python3-boto3)", file=sys.stderr)
        return 2

    s3 = boto3.client("s3")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    print(f"ALLOWED  list_buckets -> {names}", flush=True)
    try:
        s3.delete_bucket(Bucket="production-data")
        print("ALLOWED  delete_bucket(production-data) -> deleted", flush=True)
    except AuthorizationDeniedError as e:
        print(f"BLOCKED  delete_bucket(production-data): {e.rejection_reason}", flush=True)
    except ApprovalTimeout as e:
        print(f"TIMEOUT  delete_bucket(production-data): no decision within {e.timeout:g} s; withdrawn, not sent", flush=True)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    print(f"ALLOWED  list_buckets -> {names}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
