"""The seeds' programs run *unchanged*: their own imports (`owkai`, `ascend`, `ascend.mcp`,
`ascend.boto3_patch`), configured only as the seeds say (SPEC 9.3).

Each program is a fresh interpreter started with `PYTHONPATH=sdk/python:sdk/python/compat`, a HOME
with no Gatehouse data directory, no GATEHOUSE_* variables — only the seeds' own variables
(`OWKAI_API_URL` / `OWKAI_API_KEY` of python_sdk_example.py, `ASCEND_API_URL` / `ASCEND_API_KEY` of
their `.env`) pointing at the test server. The program text is the seed's, indentation restored (the
pages lost it in extraction); the harness only
- replaces the URL literal `https://pilot.owkai.app` and the placeholders the seed leaves for the
  user (`"your_api_key"`, `"..."`) with the test's values, and
- defines, before the snippet, the names the snippet uses without defining (`os`, `execute_query`,
  `logger`, `db`, `mcp_server`...), and after it, the calls that drive it.
test_seeds.py runs the same snippets in-process with `gatehouse` imports.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from .support import SDK_DIR, StubServer, clean_env, server
from .test_boto3 import HAVE_BOTO3, fake_s3

COMPAT_DIR = os.path.join(SDK_DIR, "compat")
SEED_URL = "https://pilot.owkai.app"

# --- seed 000, "3. Basic Integration Pattern": the client the page tells you to copy (on requests) ---
BASIC_PATTERN = '''
import os
import requests

class OWKAIClient:
    """OW-kai Authorization Center SDK Client"""

    def __init__(self, api_url=None, api_key=None):
        self.api_url = api_url or os.getenv('OWKAI_API_URL', 'https://pilot.owkai.app')
        self.api_key = api_key or os.getenv('OWKAI_API_KEY')

        self.headers = {
            "Content-Type": "application/json",
            "X-API-Key": self.api_key,
            "Authorization": f"Bearer {self.api_key}",
        }

    def submit_action(self, action):
        """Submit agent action for authorization"""
        response = requests.post(
            f"{self.api_url}/api/v1/actions/submit",
            headers=self.headers,
            json=action.to_dict()
        )
        response.raise_for_status()
        return response.json()

    def get_action_status(self, action_id):
        """Get current status of an action"""
        response = requests.get(
            f"{self.api_url}/api/v1/actions/{action_id}/status",
            headers=self.headers
        )
        response.raise_for_status()
        return response.json()
'''

# --- seed 000, "4. Test Connection" (with the SDK's OWKAIClient) ---------------------------------
TEST_CONNECTION = """
client = OWKAIClient()

# Test connectivity
health = client.test_connection()
print(f"Connection: {health['status']}")
"""

# --- seed 000, "Monitoring Integrations" ----------------------------------------------------------
MONITORING = """
response = requests.get(
    "https://pilot.owkai.app/health",
    headers={"Authorization": f"Bearer {api_key}"}
)
print(response.json()) # {"status": "healthy"}

response = requests.get(
    "https://pilot.owkai.app/api/v1/actions",
    headers={"Authorization": f"Bearer {api_key}"}
)
actions = response.json()
"""

# --- seed 000, "Example 1: LangChain Agent with Governance" ----------------------------------------
LANGCHAIN = """
from owkai import OWKAIClient

# Initialize client
client = OWKAIClient(
    api_key=os.getenv("OWKAI_API_KEY"),
    base_url="https://pilot.owkai.app"
)

def governed_database_query(query: str, database: str = "production"):
    \"\"\"Execute database query with governance\"\"\"

    # Determine action type
    if query.upper().startswith("SELECT"):
        action_type = "database_read"
    elif query.upper().startswith(("INSERT", "UPDATE")):
        action_type = "database_write"
    elif query.upper().startswith("DELETE"):
        action_type = "database_delete"

    # Submit to OW-kai for governance
    result = client.execute_action(
        action_type=action_type,
        description=f"Execute SQL: {query}",
        tool_name="postgresql",
        target_system=f"{database}-db",
        risk_context={
            "database": database,
            "is_production": database == "production",
        }
    )

    if result.requires_approval:
        print(f"⏳ Waiting for approval...")
        status = client.wait_for_approval(result.action_id, timeout=300)
        print(f"✅ Approved by: {status.reviewed_by}")

    # Execute actual query
    return execute_query(query)
"""

# --- seed 000, "3. Rich Risk Context" as the call of "4. Error Handling" ----------------------------
ERROR_HANDLING = """
from ascend import AuthorizationDeniedError, TimeoutError as AscendTimeoutError

try:
    result = client.execute_action(
        action_type="database_delete",
        description="Delete old audit logs",
        tool_name="postgresql",
        risk_context={
            "database": "production",
            "table": "audit_logs",
            "where_clause": "created_at < '2025-01-01'",
            "estimated_rows": 10000,
            "is_production": True,
            "has_backup": True
        }
    )

    if result.requires_approval:
        status = client.wait_for_approval(result.action_id, timeout=300)

    execute_action()

except AuthorizationDeniedError as e:
    logger.error(f"Action rejected: {e.rejection_reason}")
    notify_security_team(e)

except AscendTimeoutError:
    logger.warning("Approval timeout - action not executed")
"""

# --- seed 000, "Example 3: AWS Lambda with Governance" ----------------------------------------------
LAMBDA = """
from ascend.boto3_patch import enable_governance

# Enable governance BEFORE importing boto3
enable_governance(
    api_key=os.getenv("ASCEND_API_KEY"),
    base_url="https://pilot.owkai.app",
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

# --- seed 004, "MCP Server Governance" ------------------------------------------------------------
MCP_MIDDLEWARE = """
from ascend import AscendClient
from ascend.mcp import mcp_governance, MCPGovernanceMiddleware

# Initialize client
client = AscendClient(
    api_key="your_api_key",
    agent_id="mcp-server-001",
    agent_name="Database MCP Server"
)

# Create middleware for multiple tools
middleware = MCPGovernanceMiddleware(client)

@mcp_server.tool()
@middleware.govern("database.query", "production_db")
async def query_database(sql: str):
    return await db.execute(sql)

@mcp_server.tool()
@middleware.govern("file.read", "/data/reports")
async def read_report(path: str):
    return await fs.read(path)
"""

# --- seed 004, "Python SDK Quick Reference" --------------------------------------------------------
QUICK_REFERENCE = """
from ascend import AscendClient, Decision, FailMode

# Initialize
client = AscendClient(api_key="...", agent_id="...", fail_mode=FailMode.CLOSED)

# Register
client.register(agent_type="supervised", capabilities=["data_access"])

# Evaluate
decision = client.evaluate_action(action_type="...", resource="...", parameters={})

# Check decision
if decision.decision == Decision.ALLOWED:
    # Execute
    client.log_action_completed(decision.action_id, result={})
elif decision.decision == Decision.PENDING:
    client.wait_for_decision(decision.action_id, timeout=300)
elif decision.decision == Decision.DENIED:
    # Handle denial
    pass
"""


def fill(snippet, *placeholders):
    """Fills the seed's `"..."` placeholders in order (the user's values)."""
    for value in placeholders:
        snippet = snippet.replace('"..."', json.dumps(value), 1)
    return snippet


class SeedProgramsTest(unittest.TestCase):
    """Each seed program, its imports as written, configured through the seeds' variables only."""

    @classmethod
    def setUpClass(cls):
        s = cls.server = server()
        s.policy({"id": "seedprog-hold", "effect": "require_approval", "priority": 700, "when": {"action_type": "seedprog.hold"}})
        s.policy({"id": "seedprog-deny", "effect": "deny", "priority": 700, "when": {"action_type": "seedprog.deny"}})
        # The same policy as test_seeds.py's (the server is shared; the seed fixes the server id).
        s.policy({"id": "seed-mcp-reports", "effect": "deny", "priority": 600, "when": {"mcp.server_id": "mcp-server-001", "resource": "/data/reports"}})
        # No one answers within 1 s: the approval expires (its timeout_action, deny).
        s.policy(
            {
                "id": "seedprog-expire",
                "effect": "require_approval",
                "priority": 700,
                "when": {"agent_id": "seed_error_handling", "context.table": "audit_logs"},
                "approval": {"timeout_s": 1, "timeout_action": "deny"},
            }
        )

    def run_program(self, name, code, extra_env=None, timeout=60):
        """Writes `code` to `<tmp>/<name>.py` (the script's name is its default agent id) and runs it."""
        home = tempfile.mkdtemp(prefix="gatehouse-seedprog-")
        path = os.path.join(home, f"{name}.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(code.replace(SEED_URL, self.server.url))
        env = clean_env(
            HOME=home,  # no ~/.gatehouse: the program finds the server only through what the seeds set
            PYTHONPATH=os.pathsep.join([SDK_DIR, COMPAT_DIR]),
            OWKAI_API_URL=self.server.url,
            OWKAI_API_KEY=self.server.agent_key,
            ASCEND_API_URL=self.server.url,
            ASCEND_API_KEY=self.server.agent_key,
            PYTHONIOENCODING="utf-8",
        )
        env.update(extra_env or {})
        out = subprocess.run([sys.executable, path], env=env, cwd=home, capture_output=True, text=True, timeout=timeout)
        return out

    def check(self, out, *expected):
        self.assertEqual(out.returncode, 0, out.stderr)
        for line in expected:
            self.assertIn(line, out.stdout, out.stderr)

    def answer(self, pred, approve=True, comment=None):
        return self.server.resolve_when_pending(pred, approve=approve, comment=comment)

    def test_test_connection_with_the_seeds_variables_only(self):
        out = self.run_program("seed_test_connection", "from owkai import OWKAIClient\n" + TEST_CONNECTION)
        self.check(out, "Connection: healthy")

    def test_the_seeds_cloud_values_are_never_used(self):
        # The seed's .env verbatim: its URL is the cloud's and its key is no Gatehouse key. The client
        # ignores both and finds the local server through its data dir (GATEHOUSE_HOME here).
        code = "from owkai import OWKAIClient\n" + TEST_CONNECTION + "print('URL', client.url)\nprint('KEY', client.api_key)\n"
        out = self.run_program(
            "seed_cloud_env",
            code,
            {
                "OWKAI_API_URL": SEED_URL,
                "ASCEND_API_URL": SEED_URL,
                "OWKAI_API_KEY": "ascend_admin_your_key_here",
                "ASCEND_API_KEY": "ascend_admin_your_key_here",
                "GATEHOUSE_HOME": self.server.data_dir,
            },
        )
        self.check(out, "Connection: healthy", f"URL {self.server.url}", f"KEY {self.server.agent_key}")

    def test_basic_pattern_client_on_requests(self):
        try:
            import requests  # noqa: F401
        except ImportError:
            self.skipTest("requests is not installed (Debian: python3-requests)")
        drive = """
class Action:
    def __init__(self, **fields):
        self.fields = fields
    def to_dict(self):
        return self.fields

client = OWKAIClient()
r = client.submit_action(Action(agent_id="seed-requests-client", action_type="seedprog.deny", resource="x"))
print("SUBMIT", r["decision"], r["requires_approval"])
s = client.get_action_status(r["action_id"])
print("STATUS", s["status"], s["policy"]["id"])
api_key = os.getenv("OWKAI_API_KEY")
"""
        out = self.run_program("seed_basic_pattern", BASIC_PATTERN + drive + MONITORING + "print('ACTIONS', type(actions['items']).__name__)\n")
        self.check(out, "SUBMIT denied False", "STATUS denied seedprog-deny", "'status': 'healthy'", "ACTIONS list")

    def test_langchain_example_read_and_approved_delete(self):
        query = "DELETE FROM users WHERE id = 7"
        t = self.answer(lambda a: a["description"] == f"Execute SQL: {query}")
        drive = f"print('READ', governed_database_query('SELECT 1'))\nprint('DELETE', governed_database_query({query!r}))\n"
        out = self.run_program("seed_langchain", "import os\nexecute_query = lambda q: 'ran ' + q\n" + LANGCHAIN + drive)
        t.join(10)
        self.assertEqual(t.errors, [])
        self.check(out, "READ ran SELECT 1", "⏳ Waiting for approval...", "✅ Approved by: user", f"DELETE ran {query}")

    def error_handling(self, name):
        pre = textwrap.dedent(
            """
            import os, logging
            logging.basicConfig(level=logging.WARNING, format="LOG %(levelname)s %(message)s", stream=__import__("sys").stdout)
            logger = logging.getLogger("agent")
            from owkai import OWKAIClient
            client = OWKAIClient()
            notify_security_team = lambda e: print("NOTIFIED", type(e).__name__)
            execute_action = lambda: print("EXECUTED")
            """
        )
        return self.run_program(name, pre + ERROR_HANDLING)

    def test_error_handling_rejection(self):
        t = self.answer(lambda a: a["agent_id"] == "seed_error_rejected", approve=False, comment="keep the logs")
        out = self.error_handling("seed_error_rejected")
        t.join(10)
        self.check(out, "LOG ERROR Action rejected: Rejected by user — keep the logs", "NOTIFIED")
        self.assertNotIn("EXECUTED", out.stdout)

    def test_error_handling_unanswered_approval_is_the_timeout_branch(self):
        # Nobody answers; Gatehouse's approval timeout (1 s by the policy) expires the action before
        # the program's own 300 s: the seed's `except TimeoutError` branch runs, not "Action rejected".
        out = self.error_handling("seed_error_handling")
        self.check(out, "LOG WARNING Approval timeout - action not executed")
        self.assertNotIn("EXECUTED", out.stdout)
        self.assertNotIn("NOTIFIED", out.stdout)
        expired = [a for a in self.server.actions(agent_id="seed_error_handling", limit=5) if a["status"] == "expired"]
        self.assertTrue(expired, "the action expired on the server")

    def test_error_handling_approved_runs(self):
        t = self.answer(lambda a: a["agent_id"] == "seed_error_approved")
        out = self.error_handling("seed_error_approved")
        t.join(10)
        self.check(out, "EXECUTED")
        self.assertNotIn("LOG", out.stdout)

    def test_mcp_middleware(self):
        pre = textwrap.dedent(
            """
            import asyncio
            class McpServer:
                def tool(self):
                    return lambda fn: fn
            class Db:
                async def execute(self, sql):
                    print("DB", sql)
                    return 1
            class Fs:
                async def read(self, path):
                    print("FS", path)
            mcp_server, db, fs = McpServer(), Db(), Fs()
            """
        )
        drive = textwrap.dedent(
            """
            print("QUERY", asyncio.run(query_database("SELECT 1")))
            from ascend import AuthorizationDeniedError
            try:
                asyncio.run(read_report("/data/reports/q3.pdf"))
            except AuthorizationDeniedError as e:
                print("DENIED", e.reason)
            """
        )
        code = pre + MCP_MIDDLEWARE.replace('"your_api_key"', json.dumps(self.server.agent_key)) + drive
        out = self.run_program("seed_mcp_middleware", code)
        self.check(out, "DB SELECT 1", "QUERY 1", "DENIED Matched policy 'seed-mcp-reports'")
        self.assertNotIn("FS", out.stdout)

    def test_quick_reference(self):
        for action_type, approve, expected in (("report.read", None, "completed"), ("seedprog.hold", True, "approved"), ("seedprog.deny", None, "denied")):
            with self.subTest(action_type=action_type):
                agent = f"quickref-{action_type.replace('.', '-')}"
                t = self.answer(lambda a, agent=agent: a["agent_id"] == agent, approve=True) if approve else None
                code = fill(QUICK_REFERENCE, self.server.agent_key, agent, action_type, "reports/q3") + "print('ID', decision.action_id)\n"
                out = self.run_program("seed_quick_reference", code)
                if t:
                    t.join(10)
                self.check(out, "ID act_")
                action_id = out.stdout.split("ID ")[1].split()[0]
                self.assertEqual(self.server.status(action_id)["status"], expected)

    @unittest.skipUnless(HAVE_BOTO3, "boto3 is not installed (Debian: python3-boto3)")
    def test_aws_lambda(self):
        s3 = StubServer(fake_s3)
        self.addCleanup(s3.stop)
        t = self.answer(lambda a: a["agent_id"] == "aws-lambda-agent" and a["action_type"] == "aws.s3.delete_bucket", approve=False)
        aws = tempfile.mkdtemp(prefix="gatehouse-seedprog-aws-")
        env = {
            "AWS_ACCESS_KEY_ID": "AKIDTESTTESTTEST",
            "AWS_SECRET_ACCESS_KEY": "test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": s3.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(aws, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(aws, "credentials"),
        }
        drive = "\nfrom ascend import AuthorizationDeniedError\ntry:\n    lambda_handler({}, None)\nexcept AuthorizationDeniedError as e:\n    print('DENIED', e.reason)\n"
        out = self.run_program("seed_lambda", "import os\n" + LAMBDA + drive, env)
        t.join(10)
        self.check(out, "DENIED Rejected by user")
        self.assertEqual([(r["method"], r["path"].split("?")[0]) for r in s3.requests], [("GET", "/")])  # the delete never went out


if __name__ == "__main__":  # pragma: no cover
    unittest.main()
