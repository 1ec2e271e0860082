"""The SDK is a standard-library-only package that parses as Python 3.9."""

import ast
import os
import subprocess
import sys
import tempfile
import unittest

from .support import SDK_DIR, clean_env

PACKAGE = os.path.join(SDK_DIR, "gatehouse")


class PackagingTest(unittest.TestCase):
    def test_stdlib_only_and_importable_from_the_sdk_dir_alone(self):
        # -S: no site-packages at all (so no botocore, no LangChain); PYTHONPATH=<sdk dir> only.
        code = (
            "import sys, gatehouse, gatehouse.mcp, gatehouse.aio, gatehouse.boto3_patch\n"
            "assert gatehouse.__file__.startswith(sys.argv[1]), gatehouse.__file__\n"
            "from gatehouse import Client, Decision, FailMode, ActionDenied, ApprovalTimeout, AuthorizationDeniedError, TimeoutError\n"
            "from gatehouse import OWKAIClient, AscendClient, AsyncClient, govern\n"
            "from gatehouse.mcp import mcp_governance, MCPGovernanceMiddleware\n"
            "from gatehouse.boto3_patch import enable_governance\n"
            "assert 'botocore' not in sys.modules\n"
            "try:\n"
            "    enable_governance(agent_id='x')\n"
            "except ImportError as e:\n"
            "    assert 'botocore' in str(e)\n"
            "else:\n"
            "    raise SystemExit('enable_governance without botocore must say it needs botocore')\n"
            "print('ok')\n"
        )
        env = clean_env(PYTHONPATH=SDK_DIR)
        out = subprocess.run([sys.executable, "-S", "-c", code, SDK_DIR], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_the_seeds_module_names_from_the_compat_dir(self):
        # `from owkai import …` / `from ascend… import …` as the seeds write them, standard library only.
        code = (
            "import sys\n"
            "from owkai import OWKAIClient\n"
            "from ascend import AscendClient, Decision, FailMode, AuthorizationDeniedError, TimeoutError\n"
            "from ascend.mcp import mcp_governance, MCPGovernanceMiddleware\n"
            "from ascend.boto3_patch import enable_governance\n"
            "import gatehouse, gatehouse.mcp, gatehouse.boto3_patch\n"
            "assert OWKAIClient is gatehouse.OWKAIClient and TimeoutError is gatehouse.TimeoutError\n"
            "assert MCPGovernanceMiddleware is gatehouse.mcp.MCPGovernanceMiddleware\n"
            "assert enable_governance is gatehouse.boto3_patch.enable_governance\n"
            "ns = {}\n"
            "exec('from ascend import *', ns)\n"
            "assert 'TimeoutError' not in ns and 'AscendClient' in ns\n"
            "print('ok')\n"
        )
        env = clean_env(PYTHONPATH=os.pathsep.join([SDK_DIR, os.path.join(SDK_DIR, "compat")]))
        out = subprocess.run([sys.executable, "-S", "-c", code], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_a_star_import_keeps_the_builtin_timeout_error(self):
        # `except TimeoutError` in the caller's code must still catch socket and asyncio timeouts.
        import builtins

        import gatehouse

        for module in ("gatehouse", "gatehouse.errors"):
            ns = {}
            exec(f"from {module} import *", ns)  # noqa: S102 - the point of the test
            self.assertIs(ns.get("TimeoutError", builtins.TimeoutError), builtins.TimeoutError, module)
        self.assertTrue(issubclass(gatehouse.TimeoutError, builtins.TimeoutError))  # the seeds' explicit import

    def test_python_39_syntax(self):
        files = [f for f in os.listdir(PACKAGE) if f.endswith(".py")]
        self.assertIn("__init__.py", files)
        for name in files:
            with open(os.path.join(PACKAGE, name)) as f:
                ast.parse(f.read(), filename=name, feature_version=(3, 9))

    def test_imports_only_the_standard_library(self):
        stdlib = set(getattr(sys, "stdlib_module_names", ()))
        if not stdlib:  # Python < 3.10 runs this suite: nothing to compare against
            self.skipTest("sys.stdlib_module_names needs Python 3.10")
        for name in os.listdir(PACKAGE):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(PACKAGE, name)) as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods = [node.module]
                for m in mods:
                    top = m.split(".")[0]
                    # botocore is imported only inside enable_governance (the optional boto3 integration)
                    self.assertTrue(top in stdlib or top in ("__future__", "botocore"), f"{name} imports {m}")
