import type { Msg } from './jsonrpc.js';

const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

/**
 * What the proxy knows of the protocol the client and server speak. Revisions up to 2025-11-25
 * negotiate once (`initialize`); the stateless 2026-07-28 revision carries the version in every
 * request's `_meta`, and then the proxy's own requests must carry it too.
 */
export class Session {
  /** The negotiated (or, when stateless, the latest per-request) protocol version. */
  protocolVersion: string | null = null;
  stateless = false;

  /** Notes a client request's per-request version (2026-07-28); true the first time one is seen. */
  observeRequest(m: Msg): boolean {
    const meta = (m.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    const v = meta?.[VERSION_KEY];
    if (typeof v !== 'string') return false;
    const first = !this.stateless;
    this.stateless = true;
    this.protocolVersion = v;
    return first;
  }

  observeInitializeResult(result: Msg): void {
    if (typeof result.protocolVersion === 'string') this.protocolVersion = result.protocolVersion;
  }

  /** Params for a request of the proxy's own: with the per-request `_meta` the stateless revision requires. */
  ownParams(params?: Msg): Msg | undefined {
    if (!this.stateless || !this.protocolVersion) return params;
    return {
      ...params,
      _meta: {
        [VERSION_KEY]: this.protocolVersion,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'gatehouse-mcp-proxy', version: '0.2.0' },
      },
    };
  }

  /** Extra fields of a result the proxy writes itself (`resultType`, required from 2026-07-28). */
  resultExtras(): Msg {
    return this.stateless ? { resultType: 'complete' } : {};
  }
}
