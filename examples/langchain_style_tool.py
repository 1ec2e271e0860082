#!/usr/bin/env python3
"""A governed agent tool, LangChain style — without depending on LangChain.

The seeds' "LangChain Agent with Governance" pattern (integration-examples/01_langchain_agent.py):
a database tool whose every call is decided by Gatehouse before it runs. Reads are allowed,
a DELETE on production waits for your approval in the Gatehouse console, and a rejected call
never runs.

Run it (with Gatehouse running: `gatehouse serve` or the desktop app):

    python3 examples/langchain_style_tool.py            # then approve/deny the DELETE in the console
    python3 examples/langchain_style_tool.py --wait 30  # give up waiting after 30 s

It finds Gatehouse like every client: GATEHOUSE_URL / GATEHOUSE_API_KEY, else the data directory
($GATEHOUSE_HOME or ~/.gatehouse). With LangChain installed you would stack the same
`client.govern(...)` under `@tool` from `langchain_core.tools`; here a ten-line `tool` decorator
plays that part.
"""

import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from gatehouse import ActionDenied, ApprovalTimeout, Client, FailMode  # noqa: E402

TOOLS = {}


def tool(fn):
    """A stand-in for LangChain's @tool: registers the function with its name and docstring."""
    TOOLS[fn.__name__] = {"func": fn, "description": (fn.__doc__ or "").strip()}
    return fn


def action_type_for(query: str) -> str:
    """The seeds' mapping from SQL to action types."""
    q = query.strip().upper()
    if q.startswith("SELECT"):
        return "database_read"
    if q.startswith(("INSERT", "UPDATE")):
        return "database_write"
    if q.startswith("DELETE"):
        return "database_delete"
    return "database_query"


def build_tools(client: Client, wait: float):
    @tool
    def query_database(query: str, database: str = "production") -> str:
        """Run a SQL query against the company database (governed by Gatehouse)."""

        @client.govern(
            action_type_for(query),
            resource=lambda q, db: f"postgres://{db}/app",
            parameters=lambda q, db: {"sql": q},
            timeout=wait,
            description=f"Execute SQL: {query}",
            tool_name="postgresql",
            target_system=f"{database}-db",
            context={"database": database, "is_production": database == "production"},
        )
        def execute(q: str, db: str) -> str:
            # A real tool would talk to the database here.
            return f"executed on {db}: {q}"

        return execute(query, database)

    return TOOLS


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wait", type=float, default=300, help="seconds to wait for an approval (default 300)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="gatehouse: %(message)s")

    client = Client(agent_id="langchain-data-agent", fail_mode=FailMode.CLOSED)
    tools = build_tools(client, args.wait)
    run = tools["query_database"]["func"]

    # What an agent's tool calls might look like.
    calls = [
        ("SELECT count(*) FROM orders", "production"),
        ("INSERT INTO notes (body) VALUES ('hi')", "staging"),
        ("DELETE FROM users WHERE last_login < '2020-01-01'", "production"),
    ]
    for query, database in calls:
        try:
            print(f"ALLOWED  {run(query, database)}", flush=True)
        except ActionDenied as e:
            print(f"BLOCKED  {query} on {database}: {e.reason}", flush=True)
        except ApprovalTimeout as e:
            print(f"TIMEOUT  {query} on {database}: no decision within {e.timeout:g} s; not run", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
