"""LangChain-friendly denials: with `langchain_core` importable, a denial is also LangChain's
`ToolException`, so a tool with `handle_tool_error` hands the reason to the model.

LangChain is not installed here: these tests inject a stub `langchain_core.tools` module (a
`ToolException` class and a minimal `tool` runner that does what LangChain's does with
`handle_tool_error=True`) into `sys.modules`. They test the mechanism, not LangChain itself.
"""

import sys
import types
import unittest

from gatehouse import ActionDenied, ApprovalTimeout, AuthorizationDeniedError, Client

from .support import UNREACHABLE, server


def install_stub():
    """A stand-in for langchain_core.tools: ToolException, and a runner that turns a
    ToolException into the tool's answer (LangChain's BaseTool.run with handle_tool_error=True)."""
    core = types.ModuleType("langchain_core")
    tools = types.ModuleType("langchain_core.tools")

    class ToolException(Exception):
        pass

    def run_tool(fn, *args):
        try:
            return fn(*args)
        except ToolException as e:
            return str(e)

    tools.ToolException = ToolException
    tools.run_tool = run_tool
    core.tools = tools
    saved = {k: sys.modules.get(k) for k in ("langchain_core", "langchain_core.tools")}
    sys.modules["langchain_core"] = core
    sys.modules["langchain_core.tools"] = tools

    def restore():
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v

    return tools, restore


class LangChainFriendlyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = server()
        cls.server.policy({"id": "lc-deny", "effect": "deny", "priority": 500, "when": {"action_type": "lc.drop"}})

    def setUp(self):
        self.tools, restore = install_stub()
        self.addCleanup(restore)

    def test_a_denial_is_a_tool_exception_and_the_agent_sees_the_reason(self):
        c = Client(agent_id="lc-agent", url=self.server.url, api_key=self.server.agent_key)
        ran = []

        @c.govern("lc.drop", resource=lambda table: table)
        def drop_table(table):
            ran.append(table)
            return "dropped"

        answer = self.tools.run_tool(drop_table, "users")
        self.assertEqual(ran, [])
        self.assertIn("Action denied by Gatehouse", answer)
        self.assertIn("lc-deny", answer)
        try:
            drop_table("users")
        except Exception as e:  # noqa: BLE001 - checking what it is
            self.assertIsInstance(e, self.tools.ToolException)
            self.assertIsInstance(e, ActionDenied)
            self.assertIsInstance(e, AuthorizationDeniedError)

    def test_timeouts_and_outages_are_tool_exceptions_too(self):
        self.assertIsInstance(ApprovalTimeout("act_1", 1), self.tools.ToolException)
        self.assertIsInstance(ApprovalTimeout("act_1", 1), TimeoutError)
        c = Client(agent_id="lc-agent", url=UNREACHABLE, api_key="k")
        answer = self.tools.run_tool(lambda: c.execute_action(action_type="lc.read"))
        self.assertIn("unreachable", answer)

    def test_without_langchain_it_is_a_plain_exception(self):
        sys.modules.pop("langchain_core", None)
        sys.modules.pop("langchain_core.tools", None)
        e = ActionDenied("no")
        self.assertEqual(type(e), ActionDenied)
        self.assertFalse(isinstance(e, self.tools.ToolException))
