import { describe, expect, it } from 'vitest';
import { connectEventStream, type StreamMessage, type StreamSource } from '../../src-renderer/lib/event-stream.js';

class FakeSource implements StreamSource {
  readyState = 0;
  closed = false;
  readonly listeners = new Map<string, ((ev: StreamMessage) => void)[]>();
  addEventListener(name: string, fn: (ev: StreamMessage) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(name: string, data = '{}'): void {
    for (const fn of this.listeners.get(name) ?? []) fn({ data });
  }
  opened(): void {
    this.readyState = 1;
    this.emit('open');
  }
  failed(forGood: boolean): void {
    this.readyState = forGood ? 2 : 0;
    this.emit('error');
  }
}

function harness() {
  const sources: FakeSource[] = [];
  const calls: string[] = [];
  const timers: (() => void)[] = [];
  const stream = connectEventStream({
    open: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
    names: ['policy.changed'],
    onEvent: () => calls.push('event'),
    onOpen: () => calls.push('open'),
    onReload: () => calls.push('reload'),
    onClosed: () => calls.push('closed'),
    setState: () => undefined,
    setTimeout: (fn) => timers.push(fn),
    clearTimeout: () => undefined,
  });
  return { sources, calls, timers, stream };
}

describe('the console event stream', () => {
  it('reloads what it shows when the server says `reset` (events it cannot replay)', () => {
    const h = harness();
    h.sources[0]!.opened();
    h.sources[0]!.emit('policy.changed');
    h.sources[0]!.emit('reset', '{"reason":"x","head":9}');
    expect(h.calls).toEqual(['open', 'event', 'reload']);
  });

  it("EventSource's own reconnect (Last-Event-ID, replayed by the server) refreshes the inbox only", () => {
    const h = harness();
    h.sources[0]!.opened();
    h.sources[0]!.failed(false);
    h.sources[0]!.opened();
    expect(h.calls).toEqual(['open', 'open']);
    expect(h.sources).toHaveLength(1);
  });

  it('a new stream after one was closed for good carries no Last-Event-ID: everything is reloaded once it opens', () => {
    const h = harness();
    h.sources[0]!.opened();
    h.sources[0]!.failed(true);
    expect(h.sources[0]!.closed).toBe(true);
    expect(h.timers).toHaveLength(1);
    h.timers[0]!();
    expect(h.sources).toHaveLength(2);
    h.sources[1]!.opened();
    expect(h.calls).toEqual(['open', 'closed', 'reload']);
    h.stream.stop();
    expect(h.sources[1]!.closed).toBe(true);
  });
});
