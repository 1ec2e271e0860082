"""The seeds' Python snippets, run as written against a live Gatehouse (issue 19, SPEC 9.3).

Each snippet below is copied from ../shared/seeds/ (000 "Integrations Overview", 004 "Next
Steps"). The only changes, each marked `# adapted:` on its line:
- the import line (`from owkai …` / `from ascend …` → `from gatehouse …`);
- the URL (`https://pilot.owkai.app` → the test server's URL);
- placeholders the seed leaves for the user to fill (`api_key="..."`, `"your_api_key"`,
  `action_type="..."`, `client.execute_action(...)`), filled with real values;
- indentation, which the seed pages lost in extraction, restored.
Names a snippet uses but does not define (execute_query, db, fs, mcp_server, logger…) are given by
the test, as the surrounding program would.
"""

import asyncio
import inspect
import io
import os
import unittest
from contextlib import redirect_stdout
from unittest import mock

from gatehouse import AsyncClient, AuthorizationDeniedError, Decision

from .support import server

# --- seed 000, "3. Basic Integration Pattern" / "4. Test Connection" --------------------------------
TEST_CONNECTION = """
from gatehouse import OWKAIClient  # adapted: the import line

client = OWKAIClient()

# Test connectivity
health = client.test_connection()
print(f"Connection: {health['status']}")
"""

# --- seed 000, "Example 1: LangChain Agent with Governance" -----------------------------------------
LANGCHAIN = """
from gatehouse import OWKAIClient  # adapted: was `from owkai import OWKAIClient`

# Initialize client
client = OWKAIClient(
    api_key=os.getenv("OWKAI_API_KEY"),
    base_url=SERVER_URL  # adapted: the URL
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

# --- seed 000, "3. Rich Risk Context" inside "4. Error Handling" -------------------------------------
ERROR_HANDLING = """
from gatehouse import AuthorizationDeniedError, TimeoutError as AscendTimeoutError  # adapted: the import line

try:
    result = client.execute_action(  # adapted: the seed's `execute_action(...)`, filled with its "Rich Risk Context" call
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
        },
        timeout=WAIT_S,  # adapted: part of the filled-in placeholder (so the timeout branch runs in a second)
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

# --- seed 000, "Example 2: MCP Server with Governance Gateway" ----------------------------------------
MCP_GATEWAY = """
async def execute_governed_tool(tool_name: str, arguments: dict):
    \"\"\"Execute MCP tool with OW-kai governance\"\"\"

    # Evaluate with OW-kai
    evaluation = await governance_client.evaluate_action(
        server_id="mcp-enterprise-tools",
        namespace="database",
        verb="execute",
        resource=f"database://{arguments.get('database')}",
        parameters=arguments
    )

    if evaluation["decision"] == "DENY":
        return {"error": "Action blocked by governance policy"}

    elif evaluation["decision"] == "REQUIRE_APPROVAL":
        print(f"⏳ Waiting for approval...")
        approval = await governance_client.wait_for_approval(
            evaluation["action_id"],
            timeout=300
        )
        if not approval["approved"]:
            return {"error": "Action rejected by approver"}

    # Execute tool
    result = await _execute_tool(tool_name, arguments)
    return {"result": result}
"""

# --- seed 004, "MCP Server Governance" ------------------------------------------------------------
MCP_MIDDLEWARE = """
from gatehouse import AscendClient  # adapted: the import line
from gatehouse.mcp import mcp_governance, MCPGovernanceMiddleware  # adapted: the import line

# Initialize client
client = AscendClient(
    api_key=AGENT_KEY,  # adapted: the seed's placeholder "your_api_key"
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

# --- seed 004, "Python: Async Action Evaluation" ---------------------------------------------------
ASYNC_BATCH = """
import asyncio
from gatehouse import AscendClient  # adapted: the import line

async def evaluate_batch_actions(client: AscendClient, actions: list):
    \"\"\"Evaluate multiple actions concurrently.\"\"\"
    tasks = [
        asyncio.create_task(
            asyncio.to_thread(
                client.evaluate_action,
                action_type=a["type"],
                resource=a["resource"],
                parameters=a["params"]
            )
        )
        for a in actions
    ]
    return await asyncio.gather(*tasks)
"""

# --- seed 004, "Python SDK Quick Reference" ---------------------------------------------------------
QUICK_REFERENCE = """
from gatehouse import AscendClient, Decision, FailMode  # adapted: the import line

# Initialize
client = AscendClient(api_key=AGENT_KEY, agent_id="quickref-agent", fail_mode=FailMode.CLOSED)  # adapted: placeholders "..."

# Register
client.register(agent_type="supervised", capabilities=["data_access"])

# Evaluate
decision = client.evaluate_action(action_type=ACTION_TYPE, resource=RESOURCE, parameters={})  # adapted: placeholders "..."

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


def run(snippet: str, **names):
    """Executes a snippet in a fresh namespace; returns (namespace, stdout)."""
    ns = {"__name__": "seed_snippet", "os": os}
    ns.update(names)
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(snippet, "<seed>", "exec"), ns)  # noqa: S102 - the point of the test
    return ns, out


class SeedSnippetsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.server = server()
        s.policy({"id": "seed-mcp-reports", "effect": "deny", "priority": 600, "when": {"mcp.server_id": "mcp-server-001", "resource": "/data/reports"}})
        s.policy({"id": "seed-gw-payments", "effect": "deny", "priority": 600, "when": {"mcp.server_id": "mcp-enterprise-tools", "resource": "database://payments"}})
        s.policy(
            {
                "id": "seed-gw-production",
                "effect": "require_approval",
                "priority": 600,
                "when": {"mcp.server_id": "mcp-enterprise-tools", "resource": "database://production"},
            }
        )
        s.policy({"id": "seed-quickref-hold", "effect": "require_approval", "priority": 600, "when": {"action_type": "quickref.hold"}})
        s.policy({"id": "seed-quickref-deny", "effect": "deny", "priority": 600, "when": {"action_type": "quickref.deny"}})

    def setUp(self):
        # As the user's environment would for the whole program (the client finds Gatehouse on each call).
        patch = mock.patch.dict(os.environ, {"GATEHOUSE_URL": self.server.url, "GATEHOUSE_API_KEY": self.server.agent_key})
        patch.start()
        self.addCleanup(patch.stop)

    def test_test_connection(self):
        _, out = run(TEST_CONNECTION)
        self.assertEqual(out.getvalue().strip(), "Connection: healthy")

    def langchain(self):
        executed = []
        with mock.patch.dict(os.environ, {"OWKAI_API_KEY": self.server.agent_key}):
            ns, out = run(LANGCHAIN, SERVER_URL=self.server.url, execute_query=lambda q: executed.append(q) or f"ran {q}")
        return ns, out, executed

    def test_langchain_flow_read_runs_at_once(self):
        ns, out, executed = self.langchain()
        with redirect_stdout(out):
            self.assertEqual(ns["governed_database_query"]("SELECT count(*) FROM orders"), "ran SELECT count(*) FROM orders")
        self.assertEqual(executed, ["SELECT count(*) FROM orders"])
        self.assertNotIn("Waiting for approval", out.getvalue())

    def test_langchain_flow_production_delete_waits_for_approval(self):
        ns, out, executed = self.langchain()
        query = "DELETE FROM users WHERE last_login < '2020-01-01'"
        t = self.server.resolve_when_pending(lambda a: a["description"] == f"Execute SQL: {query}", approve=True)
        with redirect_stdout(out):
            self.assertEqual(ns["governed_database_query"](query), f"ran {query}")
        t.join(10)
        self.assertEqual(t.errors, [])
        self.assertEqual(executed, [query])
        self.assertIn("⏳ Waiting for approval...", out.getvalue())
        self.assertIn("✅ Approved by: user", out.getvalue())
        action = [a for a in self.server.actions(limit=20) if a["description"] == f"Execute SQL: {query}"][0]
        self.assertEqual(action["tool_name"], "postgresql")
        self.assertEqual(action["target_system"], "production-db")
        self.assertEqual(action["context"], {"database": "production", "is_production": True})  # risk_context arrived as context
        self.assertIn("production", " ".join(f["id"] for f in action["risk"]["factors"]))

    def test_langchain_flow_rejected_delete_never_runs(self):
        ns, out, executed = self.langchain()
        query = "DELETE FROM invoices"
        t = self.server.resolve_when_pending(lambda a: a["description"] == f"Execute SQL: {query}", approve=False, comment="no deletes today")
        with self.assertRaises(AuthorizationDeniedError) as cm, redirect_stdout(out):
            ns["governed_database_query"](query)
        t.join(10)
        self.assertEqual(executed, [])
        self.assertIn("no deletes today", cm.exception.rejection_reason)

    def test_error_handling_rejection(self):
        ns, _, executed = self.langchain()
        logger, notified, ran = mock.Mock(), [], []
        t = self.server.resolve_when_pending(lambda a: a["description"] == "Delete old audit logs", approve=False, comment="keep the logs")
        run(ERROR_HANDLING, client=ns["client"], WAIT_S=30, logger=logger, notify_security_team=notified.append, execute_action=lambda: ran.append(1))
        t.join(10)
        self.assertEqual(ran, [])
        self.assertEqual(len(notified), 1)
        self.assertIn("Action rejected:", logger.error.call_args[0][0])
        self.assertIn("keep the logs", logger.error.call_args[0][0])

    def test_error_handling_timeout(self):
        ns, _, _ = self.langchain()
        logger, ran = mock.Mock(), []
        run(ERROR_HANDLING, client=ns["client"], WAIT_S=1, logger=logger, notify_security_team=mock.Mock(), execute_action=lambda: ran.append(1))
        self.assertEqual(ran, [])
        logger.warning.assert_called_once_with("Approval timeout - action not executed")
        held = [a for a in self.server.actions(limit=20) if a["description"] == "Delete old audit logs" and a["status"] == "withdrawn"]
        self.assertTrue(held, "the timed-out action was withdrawn")

    def test_error_handling_approved_runs(self):
        ns, _, _ = self.langchain()
        logger, ran = mock.Mock(), []
        t = self.server.resolve_when_pending(lambda a: a["description"] == "Delete old audit logs", approve=True)
        run(ERROR_HANDLING, client=ns["client"], WAIT_S=30, logger=logger, notify_security_team=mock.Mock(), execute_action=lambda: ran.append(1))
        t.join(10)
        self.assertEqual(ran, [1])
        logger.error.assert_not_called()

    def test_quick_reference(self):
        for action_type, answer in (("report.read", None), ("quickref.hold", True), ("quickref.deny", None)):
            with self.subTest(action_type=action_type):
                t = self.server.resolve_when_pending(action_type, approve=True) if answer else None
                ns, _ = run(QUICK_REFERENCE, AGENT_KEY=self.server.agent_key, ACTION_TYPE=action_type, RESOURCE="reports/q3")
                if t:
                    t.join(10)
                    self.assertEqual(t.errors, [])
                d = ns["decision"]
                status = self.server.status(d.action_id)
                expected = {"report.read": "completed", "quickref.hold": "approved", "quickref.deny": "denied"}[action_type]
                self.assertEqual(status["status"], expected)
                self.assertEqual(status["agent_id"], "quickref-agent")
        agents = self.server.admin("GET", "/api/v1/agents")["items"]
        me = [a for a in agents if a["agent_id"] == "quickref-agent"][0]
        self.assertTrue(me["registered"])

    def test_async_batch(self):
        ns, _ = run(ASYNC_BATCH)
        from gatehouse import AscendClient

        client = AscendClient(agent_id="batch-agent")
        actions = [{"type": "file.read", "resource": f"/tmp/batch-{i}", "params": {"i": i}} for i in range(12)]
        actions.append({"type": "quickref.deny", "resource": "/tmp/no", "params": {}})
        decisions = asyncio.run(ns["evaluate_batch_actions"](client, actions))
        self.assertEqual(len(decisions), 13)
        self.assertEqual([d.decision for d in decisions[:12]], [Decision.ALLOWED] * 12)
        self.assertEqual(decisions[12].decision, Decision.DENIED)
        self.assertEqual(len({d.action_id for d in decisions}), 13)
        self.assertEqual([self.server.status(d.action_id)["resource"] for d in decisions[:3]], ["/tmp/batch-0", "/tmp/batch-1", "/tmp/batch-2"])

    def mcp_middleware(self):
        tools, db_calls, fs_calls = {}, [], []

        class McpServer:  # what FastMCP's @mcp_server.tool() needs from the function it is given
            def tool(self):
                def register(fn):
                    tools[fn.__name__] = fn
                    return fn

                return register

        class Db:
            async def execute(self, sql):
                db_calls.append(sql)
                return [{"n": 1}]

        class Fs:
            async def read(self, path):
                fs_calls.append(path)
                return "report"

        ns, _ = run(MCP_MIDDLEWARE, AGENT_KEY=self.server.agent_key, mcp_server=McpServer(), db=Db(), fs=Fs())
        return ns, tools, db_calls, fs_calls

    def test_mcp_middleware_allowed_tool_runs(self):
        ns, tools, db_calls, _ = self.mcp_middleware()
        # The wrapper keeps what an MCP framework reads to build the tool's schema.
        self.assertEqual(sorted(tools), ["query_database", "read_report"])
        self.assertTrue(inspect.iscoroutinefunction(tools["query_database"]))
        self.assertEqual(list(inspect.signature(tools["query_database"]).parameters), ["sql"])
        self.assertEqual(asyncio.run(ns["query_database"]("SELECT 1")), [{"n": 1}])
        self.assertEqual(db_calls, ["SELECT 1"])
        action = self.server.actions(agent_id="mcp-server-001", limit=5)[0]
        self.assertEqual(action["action_type"], "database.query")
        self.assertEqual(action["resource"], "production_db")
        self.assertEqual(action["parameters"], {"sql": "SELECT 1"})
        self.assertEqual(action["tool_name"], "query_database")
        self.assertEqual(action["status"], "completed")

    def test_mcp_middleware_denied_tool_raises_before_running(self):
        ns, _, _, fs_calls = self.mcp_middleware()
        with self.assertRaises(AuthorizationDeniedError) as cm:
            asyncio.run(ns["read_report"]("/data/reports/q3.pdf"))
        self.assertEqual(fs_calls, [])
        self.assertIn("seed-mcp-reports", cm.exception.reason)

    def gateway(self):
        executed = []

        async def _execute_tool(tool_name, arguments):
            executed.append((tool_name, arguments))
            return "rows"

        client = AsyncClient(agent_id="mcp-gateway", url=self.server.url, api_key=self.server.agent_key)
        ns, out = run(MCP_GATEWAY, governance_client=client, _execute_tool=_execute_tool)
        return ns, out, executed

    def test_mcp_gateway_allow_deny_and_approval(self):
        ns, out, executed = self.gateway()
        call = ns["execute_governed_tool"]
        self.assertEqual(asyncio.run(call("sql", {"database": "staging", "sql": "SELECT 1"})), {"result": "rows"})
        self.assertEqual(asyncio.run(call("sql", {"database": "payments", "sql": "SELECT 1"})), {"error": "Action blocked by governance policy"})
        self.assertEqual(len(executed), 1)
        t = self.server.resolve_when_pending(lambda a: a["resource"] == "database://production", approve=True)
        with redirect_stdout(out):
            self.assertEqual(asyncio.run(call("sql", {"database": "production", "sql": "DELETE FROM t"})), {"result": "rows"})
        t.join(10)
        self.assertEqual(t.errors, [])
        self.assertEqual(len(executed), 2)
        self.assertIn("⏳ Waiting for approval...", out.getvalue())

    def test_mcp_gateway_rejection_never_runs(self):
        ns, out, executed = self.gateway()
        t = self.server.resolve_when_pending(lambda a: a["resource"] == "database://production", approve=False)
        with self.assertRaises(AuthorizationDeniedError), redirect_stdout(out):
            asyncio.run(ns["execute_governed_tool"]("sql", {"database": "production", "sql": "DROP TABLE t"}))
        t.join(10)
        self.assertEqual(executed, [])
