"""`gatehouse.boto3_patch.enable_governance` with real boto3 (Debian's python3-boto3) against a
fake S3 endpoint: a tiny HTTP server on 127.0.0.1 inside the test that records every request.

The seeds' "AWS Lambda with Governance" snippet (seed 000, Example 3) runs as written in a fresh
interpreter (so governance really is enabled before `import boto3`); adapted only in the import
line and the URL. boto3 reaches the fake S3 through `AWS_ENDPOINT_URL_S3` (the snippet itself is
unchanged), with dummy credentials and the instance metadata service disabled: nothing leaves
127.0.0.1.
"""

import os
import tempfile
import textwrap
import unittest

from .support import StubServer, clean_env, run_python, server

try:
    import boto3  # noqa: F401
    import botocore  # noqa: F401

    HAVE_BOTO3 = True
except ImportError:  # pragma: no cover - python3-boto3 is installed on the project's machines
    HAVE_BOTO3 = False

LAMBDA_SNIPPET = """
from gatehouse.boto3_patch import enable_governance  # adapted: was `from ascend.boto3_patch import enable_governance`

# Enable governance BEFORE importing boto3
enable_governance(
    api_key=os.getenv("ASCEND_API_KEY"),
    base_url=SERVER_URL,  # adapted: the URL
    risk_threshold=70,
    auto_approve_below=30,
    agent_id="aws-lambda-agent"
)

import boto3

def lambda_handler(event, context):
    \"\"\"All boto3 calls are now governed\"\"\"
    s3 = boto3.client("s3")

    # Low-risk: auto-approved
    buckets = s3.list_buckets()

    # High-risk: requires approval
    s3.delete_bucket(Bucket="production-data")
"""

HARNESS = """
import os, sys
SERVER_URL = sys.argv[1]
{snippet}
from gatehouse import AuthorizationDeniedError
try:
    lambda_handler({{}}, None)
    print("RESULT completed", flush=True)
except AuthorizationDeniedError as e:
    print("RESULT denied", e.reason, flush=True)
"""

LIST_BUCKETS = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Owner><ID>1</ID><DisplayName>me</DisplayName></Owner>
<Buckets><Bucket><Name>production-data</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>
</ListAllMyBucketsResult>"""


def fake_s3(method, path, headers, body):
    if method == "GET" and path.split("?")[0] == "/":
        return 200, {"Content-Type": "application/xml"}, LIST_BUCKETS
    if method == "DELETE":
        return 204, {}, b""
    if method == "PUT":
        return 200, {"ETag": '"abc"'}, b""
    return 404, {"Content-Type": "application/xml"}, b"<Error><Code>NoSuchKey</Code></Error>"


@unittest.skipUnless(HAVE_BOTO3, "boto3 is not installed (Debian: python3-boto3)")
class Boto3GovernanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = server()

    def setUp(self):
        self.s3 = StubServer(fake_s3)
        self.addCleanup(self.s3.stop)
        self.home = tempfile.mkdtemp(prefix="gatehouse-aws-")
        self.env = clean_env(
            GATEHOUSE_API_KEY=self.server.agent_key,
            AWS_ACCESS_KEY_ID="AKIDTESTTESTTEST",
            AWS_SECRET_ACCESS_KEY="test-secret",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT_URL_S3=self.s3.url,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=os.path.join(self.home, "config"),
            AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.home, "credentials"),
            HOME=self.home,
        )

    def sent(self):
        return [(r["method"], r["path"].split("?")[0]) for r in self.s3.requests]

    def run_lambda(self):
        return run_python(HARNESS.format(snippet=LAMBDA_SNIPPET), self.env, args=[self.server.url])

    def test_list_passes_and_a_denied_delete_bucket_is_never_sent(self):
        t = self.server.resolve_when_pending("aws.s3.delete_bucket", approve=False, comment="that is production")
        out = self.run_lambda()
        t.join(10)
        self.assertEqual(t.errors, [])
        self.assertIn("RESULT denied", out.stdout, out.stderr)
        self.assertIn("that is production", out.stdout)
        self.assertEqual(self.sent(), [("GET", "/")])  # list_buckets went out; delete_bucket never did
        actions = self.server.actions(agent_id="aws-lambda-agent", limit=10)
        listed = [a for a in actions if a["action_type"] == "aws.s3.list_buckets"][0]
        self.assertEqual(listed["status"], "completed")  # its outcome was reported
        deleted = [a for a in actions if a["action_type"] == "aws.s3.delete_bucket"][0]
        self.assertEqual(deleted["status"], "rejected")
        self.assertEqual(deleted["resource"], "arn:aws:s3:::production-data")
        self.assertEqual(deleted["parameters"], {"Bucket": "production-data"})
        self.assertEqual(deleted["tool_name"], "boto3")
        self.assertIn("needs approval", out.stderr)  # the agent's log says what it waits for

    def test_an_approved_delete_bucket_is_sent(self):
        t = self.server.resolve_when_pending("aws.s3.delete_bucket", approve=True)
        out = self.run_lambda()
        t.join(10)
        self.assertIn("RESULT completed", out.stdout, out.stderr)
        self.assertEqual(self.sent(), [("GET", "/"), ("DELETE", "/production-data")])
        deleted = [a for a in self.server.actions(agent_id="aws-lambda-agent", limit=10) if a["action_type"] == "aws.s3.delete_bucket"][0]
        self.assertEqual(deleted["status"], "completed")
        self.assertEqual(deleted["result"], {"http_status": 204})

    def test_unreachable_gatehouse_sends_nothing(self):
        env = dict(self.env, GATEHOUSE_API_KEY="gk_agent_x")
        out = run_python(HARNESS.format(snippet=LAMBDA_SNIPPET), env, args=["http://127.0.0.1:9"])
        self.assertIn("RESULT denied", out.stdout, out.stderr)
        self.assertIn("unreachable", out.stdout)
        self.assertEqual(self.sent(), [])

    def test_risk_threshold_only_tightens(self):
        # The console allows a medium-risk write by its own thresholds; risk_threshold=40 in the SDK
        # refuses it before it is sent. A read below auto_approve_below passes.
        code = textwrap.dedent(
            """
            import sys
            from gatehouse.boto3_patch import enable_governance
            from gatehouse import AuthorizationDeniedError
            enable_governance(base_url=sys.argv[1], risk_threshold=40, auto_approve_below=30, agent_id="aws-threshold-agent")
            import boto3
            s3 = boto3.client("s3")
            s3.list_buckets()
            try:
                s3.put_object(Bucket="scratch", Key="notes.txt", Body=b"hello")
                print("RESULT sent")
            except AuthorizationDeniedError as e:
                print("RESULT denied", e.reason)
            """
        )
        out = run_python(code, self.env, args=[self.server.url])
        self.assertIn("RESULT denied", out.stdout, out.stderr)
        self.assertIn("risk_threshold=40", out.stdout)
        self.assertEqual(self.sent(), [("GET", "/")])
        put = [a for a in self.server.actions(agent_id="aws-threshold-agent", limit=5) if a["action_type"] == "aws.s3.put_object"][0]
        self.assertEqual(put["resource"], "arn:aws:s3:::scratch/notes.txt")
        self.assertEqual(put["parameters"]["Body"], "<stream, 5 bytes>")  # bodies are summarised, not shipped
        self.assertEqual(put["status"], "failed")  # not left "allowed" forever


class ResourceOfTest(unittest.TestCase):
    def test_resources(self):
        from gatehouse.boto3_patch import resource_of

        self.assertEqual(resource_of("s3", {"Bucket": "b"}, "eu-west-1"), "arn:aws:s3:::b")
        self.assertEqual(resource_of("s3", {"Bucket": "b", "Key": "k/1"}, None), "arn:aws:s3:::b/k/1")
        self.assertEqual(resource_of("dynamodb", {"TableName": "Orders"}, "eu-west-1"), "arn:aws:dynamodb:eu-west-1::table/Orders")
        self.assertEqual(resource_of("lambda", {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f"}, "us-east-1"), "arn:aws:lambda:us-east-1:1:function:f")
        self.assertEqual(resource_of("sns", {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "hi"}, "us-east-1"), "arn:aws:sns:us-east-1:1:t")
        self.assertEqual(resource_of("iam", {"RoleName": "admin"}, "us-east-1"), "arn:aws:iam:::role/admin")
        self.assertEqual(resource_of("ec2", {"InstanceIds": ["i-1", "i-2"]}, "us-east-1"), "arn:aws:ec2:us-east-1::instance/i-1,i-2")
        self.assertEqual(resource_of("sts", {}, "us-east-1"), "arn:aws:sts:::*")


@unittest.skipUnless(HAVE_BOTO3, "boto3 is not installed (Debian: python3-boto3)")
class EnableDisableInProcessTest(unittest.TestCase):
    """enable_governance patches botocore in this process; disable_governance undoes it."""

    def test_enable_refuses_before_sending_and_disable_restores(self):
        import botocore.session

        from gatehouse import AuthorizationDeniedError, Client
        from gatehouse.boto3_patch import disable_governance, enable_governance

        s3 = StubServer(fake_s3)
        self.addCleanup(s3.stop)
        self.addCleanup(disable_governance)
        original = botocore.session.Session.create_client
        session = botocore.session.Session()
        make = lambda: session.create_client(  # noqa: E731
            "s3", region_name="us-east-1", endpoint_url=s3.url, aws_access_key_id="AKIDTEST", aws_secret_access_key="x"
        )
        enable_governance(client=Client(agent_id="py-boto3-inproc", url="http://127.0.0.1:9", api_key="k"))  # unreachable, fail closed
        governed = make()
        with self.assertRaises(AuthorizationDeniedError) as cm:
            governed.list_buckets()
        self.assertIn("unreachable", cm.exception.reason)
        self.assertEqual(s3.requests, [])  # nothing was sent
        disable_governance()
        self.assertIs(botocore.session.Session.create_client, original)
        self.assertEqual(make().list_buckets()["Buckets"][0]["Name"], "production-data")
        self.assertEqual(governed.list_buckets()["Buckets"][0]["Name"], "production-data")  # made while enabled: plain again
        self.assertEqual(len(s3.requests), 2)
