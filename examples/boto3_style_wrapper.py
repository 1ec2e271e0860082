#!/usr/bin/env python3
"""Governing every call of a boto3-style client — the seeds' "AWS Lambda with Governance" pattern.

`GovernedClient` wraps any client object so that each method call becomes a Gatehouse action
(`aws.<service>.<method>`, resource = the bucket's ARN, parameters = the call's keyword
arguments) and runs only once Gatehouse allows it. A fake S3 client stands in for boto3 here, so
this runs anywhere: `list_buckets` is low risk and allowed at once; `delete_bucket` on
`production-data` is high risk (delete + production) and waits for your approval.

Run it (with Gatehouse running: `gatehouse serve` or the desktop app):

    python3 examples/boto3_style_wrapper.py            # approve or deny the delete in the console
    python3 examples/boto3_style_wrapper.py --wait 30

With real boto3: `s3 = GovernedClient(boto3.client("s3"), client, service="s3")`.
"""

import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from gatehouse import ActionDenied, ApprovalTimeout, Client  # noqa: E402


class FakeS3Client:
    """Just enough of boto3's S3 client for the demo."""

    def __init__(self):
        self.buckets = {"production-data": ["2026/01/orders.parquet"], "scratch": []}

    def list_buckets(self):
        return {"Buckets": [{"Name": b} for b in sorted(self.buckets)]}

    def delete_bucket(self, Bucket):  # noqa: N803 - boto3's argument name
        del self.buckets[Bucket]
        return {"ResponseMetadata": {"HTTPStatusCode": 204}}


class GovernedClient:
    """Wraps a boto3-style client: every method call is decided by Gatehouse first."""

    def __init__(self, inner, gatehouse: Client, service: str, wait: float = 300):
        self._inner = inner
        self._gatehouse = gatehouse
        self._service = service
        self._wait = wait

    def __getattr__(self, name):
        method = getattr(self._inner, name)
        if not callable(method) or name.startswith("_"):
            return method
        service = self._service

        def resource(*args, **kwargs):
            bucket = kwargs.get("Bucket")
            return f"arn:aws:{service}:::{bucket}" if bucket else f"arn:aws:{service}:::*"

        def context(kwargs):
            bucket = str(kwargs.get("Bucket", ""))
            return {"service": service, "is_production": "prod" in bucket}

        def call(*args, **kwargs):
            governed = self._gatehouse.govern(
                f"aws.{service}.{name}",
                resource=resource,
                parameters=lambda *a, **k: dict(k),
                timeout=self._wait,
                tool_name="boto3",
                target_system=f"aws-{service}",
                context=context(kwargs),
                description=f"{service}.{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})",
            )(method)
            return governed(*args, **kwargs)

        return call


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wait", type=float, default=300, help="seconds to wait for an approval (default 300)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="gatehouse: %(message)s")

    gatehouse = Client(agent_id="aws-lambda-agent")
    s3 = GovernedClient(FakeS3Client(), gatehouse, service="s3", wait=args.wait)

    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    print(f"ALLOWED  list_buckets -> {names}", flush=True)
    try:
        s3.delete_bucket(Bucket="production-data")
        print("ALLOWED  delete_bucket(production-data) -> deleted", flush=True)
    except ActionDenied as e:
        print(f"BLOCKED  delete_bucket(production-data): {e.reason}", flush=True)
    except ApprovalTimeout as e:
        print(f"TIMEOUT  delete_bucket(production-data): no decision within {e.timeout:g} s; not run", flush=True)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    print(f"ALLOWED  list_buckets -> {names}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
