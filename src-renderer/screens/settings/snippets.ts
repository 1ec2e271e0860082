/** Integration snippets shown in Settings (and the MCP empty state). */

export const MCP_CONFIG = `{
  "mcpServers": {
    "fs": {
      "command": "gatehouse",
      "args": ["mcp-proxy", "--server-id", "fs", "--",
               "npx", "@modelcontextprotocol/server-filesystem", "/path"]
    }
  }
}`;

export const PYTHON = `from gatehouse import Client, Decision, FailMode

c = Client(agent_id="data-analyst", fail_mode=FailMode.CLOSED)  # URL and key from the data dir
d = c.evaluate_action(action_type="database.delete", resource="postgres://prod/users",
                      parameters={"sql": "DELETE FROM users WHERE ..."},
                      context={"is_production": True})
if d.decision == Decision.PENDING:
    d = c.wait_for_decision(d.action_id, timeout=300)
if d.decision == Decision.ALLOWED:
    ...  # do the work
    c.log_action_completed(d.action_id, result={"rows": 42})`;

export const TYPESCRIPT = `import { GatehouseClient, Decision, FailMode, govern } from 'gatehouse/sdk';

const gh = new GatehouseClient({ agentId: 'release-bot', failMode: FailMode.CLOSED });

let d = await gh.evaluateAction({ actionType: 'shell.exec', resource: 'npm publish' });
if (d.decision === Decision.PENDING) d = await gh.waitForDecision(d.actionId!, { timeoutS: 300 });
if (d.decision === Decision.ALLOWED) {
  // ... run it, then report the outcome
  await gh.logActionCompleted(d.actionId, { result: { ok: true } });
}

// Or wrap a function: evaluate, wait, run, report; throws ActionDenied otherwise.
const run = govern(gh, 'shell.exec', { resource: (cmd: string) => cmd })(async (cmd: string) => exec(cmd));`;

export const CURL = (url: string) => `curl -s ${url}/api/v1/actions/submit \\
  -H "X-API-Key: $GATEHOUSE_API_KEY" -H 'content-type: application/json' \\
  -d '{"agent_id":"my-script","action_type":"shell.exec","resource":"make deploy"}'`;
