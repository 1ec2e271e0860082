import type { ReactNode } from 'react';
import { CodeBlock } from '../../components/CodeBlock.js';
import { CopyButton } from '../../components/CopyButton.js';
import { AgentHooks } from './AgentHooks.js';
import { CURL, MCP_CONFIG, PYTHON, TYPESCRIPT } from './snippets.js';

function Snippet({ title, text, children }: { title: string; text: string; children?: ReactNode }) {
  return (
    <section className="panel snippet-panel">
      <div className="panel-head">
        <div className="grow">
          <h2>{title}</h2>
          {children && <p>{children}</p>}
        </div>
        <CopyButton text={text} />
      </div>
      <CodeBlock text={text} mask={false} tall label={title} />
    </section>
  );
}

/** Copy-paste set-up for the integrations of SPEC 9. */
export function IntegrationsPanel() {
  return (
    <div className="integrations">
      <AgentHooks />
      <Snippet title="MCP servers (Claude Desktop, Cursor…)" text={MCP_CONFIG}>
        Put <code>gatehouse mcp-proxy</code> in front of any MCP server; calls are checked before they reach it.
      </Snippet>
      <Snippet title="Python" text={PYTHON}>
        <code>sdk/python/gatehouse.py</code>, standard library only.
      </Snippet>
      <Snippet title="TypeScript" text={TYPESCRIPT}>
        The <code>gatehouse/sdk</code> package; camelCase mirror of the Python client.
      </Snippet>
      <Snippet title="Any language (HTTP)" text={CURL(window.location.origin)}>
        Submit with an agent key; poll <code>/api/v1/actions/ID/status?wait=30</code> while it is pending.
      </Snippet>
    </div>
  );
}
