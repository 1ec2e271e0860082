import type { GatehouseApi } from '../../../src-shared/client.js';
import { clip } from '../../services/tool-call.js';
import { GatehouseLink } from './gatehouse.js';
import { Governance } from './governance.js';
import { duplicateKey, exactMessage, idKey, idText, kindOf, type Frame, type Msg } from './jsonrpc.js';
import { Outcomes } from './outcomes.js';
import type { RawLink } from './links.js';
import { Registration } from './registration.js';
import { Relay, type Router, type Side } from './relay.js';
import { Session } from './session.js';

export { blockedResult } from './governance.js';

/**
 * The MCP governance proxy (SPEC 9.2): a relay between the MCP client and the real server that
 * passes every message through as its exact bytes, with governance of the calls that act and
 * registration of the server's tools beside it. This module only routes: which message concerns
 * which part.
 */
export interface ProxyOptions {
  serverId: string;
  agentId: string;
  /** Seconds to wait for a pending approval before refusing the call. */
  waitS: number;
  /** Also decide `resources/read` and `prompts/get`. */
  governReads?: boolean;
  /** The real server's command line or URL, for the registration record. */
  commandLine?: string;
  /** The Gatehouse API; by default found like every client (env, server.json, credentials.json; agent key). */
  api?: () => GatehouseApi | null;
  dataDir?: string;
  /** Diagnostics (never stdout). */
  log?: (line: string) => void;
  progressIntervalMs?: number;
  cancelGraceMs?: number;
  inputRetryMs?: number;
  registrationRetryMs?: number;
  reportDelayMs?: number;
}

const asObject = (v: unknown): Msg => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

export class McpGovernanceProxy implements Router {
  readonly relay: Relay;
  readonly session = new Session();
  readonly registration: Registration;
  readonly governance: Governance;
  readonly outcomes: Outcomes;
  /** Client requests whose answers the proxy looks at, by id: what they were (a tools/list with a cursor continues a listing). */
  private readonly watched = new Map<string, 'initialize' | 'server/discover' | 'tools/list' | 'tools/list+cursor'>();
  private readonly log: (line: string) => void;

  constructor(up: RawLink, down: RawLink, o: ProxyOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`gatehouse mcp-proxy [${o.serverId}]: ${l}\n`));
    this.relay = new Relay(up, down, this.log);
    this.relay.router = this;
    const gatehouse = new GatehouseLink({ api: o.api, dataDir: o.dataDir });
    this.registration = new Registration(this.relay, gatehouse, this.session, {
      serverId: o.serverId,
      commandLine: o.commandLine,
      log: this.log,
      retryMs: o.registrationRetryMs,
    });
    this.outcomes = new Outcomes(this.relay, gatehouse, this.session, {
      cancelGraceMs: o.cancelGraceMs ?? 3_000,
      inputRetryMs: o.inputRetryMs ?? 15 * 60_000,
      reportDelayMs: o.reportDelayMs ?? 100,
      log: this.log,
    });
    this.governance = new Governance(this.relay, gatehouse, this.session, (tool) => this.registration.pinCheck(tool), this.outcomes, {
      serverId: o.serverId,
      agentId: o.agentId,
      waitS: o.waitS,
      governReads: !!o.governReads,
      progressIntervalMs: o.progressIntervalMs ?? 10_000,
      serverName: () => this.registration.serverName,
      log: this.log,
    });
  }

  get done(): Promise<Side> {
    return this.relay.done;
  }

  start(): Promise<void> {
    return this.relay.start();
  }

  fromClient(f: Frame): boolean {
    const m = f.msg;
    const kind = kindOf(m);
    // A repeated top-level key ("method", "params") may be read one way here and the other way by the
    // server: a message seen here as a ping or an answer could be a tools/call there. Governed calls
    // are checked whole where they are decided; anything else that repeats one never passes.
    const dup = kind === 'request' && this.governance.governs(m.method as string) ? null : duplicateKey(f.raw, 0);
    if (dup !== null) {
      this.log(`refused a message from the client that repeats the key "${clip(dup, 100)}"`);
      if (kind === 'request')
        this.relay.sendToClient(
          `{"jsonrpc":"2.0","id":${idText(f)},"error":${JSON.stringify({ code: -32600, message: `Blocked by Gatehouse: the message repeats the key "${clip(dup, 100)}", so the server could read it otherwise` })}}`,
        );
      return true;
    }
    switch (kind) {
      case 'request': {
        const method = m.method as string;
        if (this.session.observeRequest(m)) this.registration.onStatelessClient();
        if (method === 'initialize' || method === 'server/discover') this.watched.set(idKey(m.id), method);
        else if (method === 'tools/list')
          this.watched.set(idKey(m.id), asObject(m.params).cursor === undefined ? method : 'tools/list+cursor');
        if (this.governance.governs(method)) {
          this.governance.gate(f);
          return true;
        }
        return false;
      }
      case 'notification': {
        if (this.governance.governs(m.method as string)) {
          // A call without an id (or with a null one, which MCP forbids) could be neither answered nor
          // settled, and a lenient server runs it all the same: undecided, it never reaches the server.
          this.log(`refused a ${String(m.method)} without an id: MCP requests carry a string or integer id`);
          if (m.id === null)
            this.relay.sendToClient(
              `{"jsonrpc":"2.0","id":null,"error":${JSON.stringify({ code: -32600, message: `Blocked by Gatehouse: a ${String(m.method)} request must carry a string or integer id` })}}`,
            );
          return true;
        }
        if (m.method === 'notifications/cancelled') {
          const p = asObject(m.params);
          return this.governance.clientCancelled(p.requestId, p.reason);
        }
        if (m.method === 'notifications/initialized') {
          this.relay.toServer(f.raw);
          this.registration.onInitialized();
          return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  fromServer(f: Frame): boolean {
    const m = f.msg;
    const kind = kindOf(m);
    if (kind === 'response') {
      const k = idKey(m.id);
      const watched = this.watched.get(k);
      if (watched) {
        this.watched.delete(k);
        const result = asObject(m.result);
        if (watched === 'initialize' && m.result) {
          this.session.observeInitializeResult(result);
          this.registration.onInitializeResult(result);
        } else if (watched === 'server/discover' && m.result) {
          this.registration.onDiscoverResult(result);
        } else if (m.result) {
          // Before the client can read it: a call of a tool in it waits until this definition is registered.
          // Read with its numbers exact, as the proxy's own listing is: both are registered with Gatehouse.
          this.registration.observeToolsList(asObject(exactMessage(f).result), watched === 'tools/list+cursor');
        }
        return false;
      }
      if (this.outcomes.isOpen(m.id)) {
        this.relay.toClient(f.raw, f); // the client first; the report to Gatehouse follows
        this.outcomes.answered(f);
        return true;
      }
      return false;
    }
    if (kind === 'notification') {
      if (m.method === 'notifications/tools/list_changed') this.registration.schedule();
      else if (m.method === 'notifications/tasks/status') this.outcomes.taskStatus(m.params);
    }
    return false;
  }
}
