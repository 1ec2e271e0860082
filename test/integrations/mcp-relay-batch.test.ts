import { describe, expect, it } from 'vitest';
import type { RawLink } from '../../src-main/integrations/mcp-proxy/links.js';
import { Relay } from '../../src-main/integrations/mcp-proxy/relay.js';

/** The relay's batch rule in both directions, on in-memory links (no process). */

class MemLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  readonly sent: string[] = [];
  start(): Promise<void> {
    return Promise.resolve();
  }
  send(raw: string): Promise<void> {
    this.sent.push(raw);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** A line arriving from this link's peer. */
  receive(line: string): void {
    this.onmessage?.(line);
  }
}

async function relay() {
  const client = new MemLink();
  const server = new MemLink();
  const r = new Relay(client, server, () => undefined);
  await r.start();
  return { r, client, server };
}

describe('relay batches', () => {
  it("a server's batch of requests gets the client's answers back as one array, each exact", async () => {
    const { client, server } = await relay();
    server.receive('[{"jsonrpc":"2.0","id":1,"method":"roots/list"} , {"jsonrpc":"2.0","id":"s2","method":"ping"}]');
    expect(client.sent).toEqual(['{"jsonrpc":"2.0","id":1,"method":"roots/list"}', '{"jsonrpc":"2.0","id":"s2","method":"ping"}']);
    client.receive('{"jsonrpc":"2.0","id":"s2","result":{ }}');
    expect(server.sent).toEqual([]);
    client.receive('{"id":1,"jsonrpc":"2.0","result":{"roots":[],"n":9007199254740993}}');
    expect(server.sent).toEqual([
      '[{"jsonrpc":"2.0","id":"s2","result":{ }},{"id":1,"jsonrpc":"2.0","result":{"roots":[],"n":9007199254740993}}]',
    ]);
  });

  it("the client's batch: answers that came go out when the server closes; a later lone answer is not held", async () => {
    const { r, client, server } = await relay();
    client.receive('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]');
    expect(server.sent).toHaveLength(2);
    server.receive('{"jsonrpc":"2.0","id":1,"result":{}}');
    r.sendToClient('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}');
    expect(client.sent).toEqual(['{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}']);
    server.onclose?.('exited');
    expect(client.sent.at(-1)).toBe('[{"jsonrpc":"2.0","id":1,"result":{}}]');
  });

  it('an element that is not an object is answered with its own Invalid Request error in the batch answer, from either side', async () => {
    const invalid = '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}';
    const { client, server } = await relay();
    client.receive('[1, {"jsonrpc":"2.0","id":1,"method":"ping"}, "x", {"jsonrpc":"2.0","method":"notifications/roots/list_changed"}]');
    expect(server.sent).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}',
    ]);
    expect(client.sent).toEqual([]);
    server.receive('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(client.sent).toEqual([`[${invalid},${invalid},{"jsonrpc":"2.0","id":1,"result":{}}]`]);
    // Nothing awaited: the errors go back at once.
    client.receive('[[], {"jsonrpc":"2.0","method":"notifications/initialized"}]');
    expect(client.sent.at(-1)).toBe(`[${invalid}]`);
    expect(server.sent.at(-1)).toBe('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    // The server's batch: the client answers its request, and the batch answer carries the error.
    server.receive('[true, {"jsonrpc":"2.0","id":"s1","method":"ping"}]');
    expect(client.sent.at(-1)).toBe('{"jsonrpc":"2.0","id":"s1","method":"ping"}');
    client.receive('{"jsonrpc":"2.0","id":"s1","result":{}}');
    expect(server.sent.at(-1)).toBe(`[${invalid},{"jsonrpc":"2.0","id":"s1","result":{}}]`);
  });

  it('an answer to a request sent alone is never held by a batch open at the same time', async () => {
    const { client, server } = await relay();
    client.receive('{"jsonrpc":"2.0","id":"solo","method":"ping"}');
    client.receive('[{"jsonrpc":"2.0","id":"in","method":"ping"}]');
    server.receive('{"jsonrpc":"2.0","id":"solo","result":{}}');
    expect(client.sent).toEqual(['{"jsonrpc":"2.0","id":"solo","result":{}}']);
    server.receive('{"jsonrpc":"2.0","id":"in","result":{}}');
    expect(client.sent.at(-1)).toBe('[{"jsonrpc":"2.0","id":"in","result":{}}]');
    expect(server.sent).toEqual(['{"jsonrpc":"2.0","id":"solo","method":"ping"}', '{"jsonrpc":"2.0","id":"in","method":"ping"}']);
  });
});
