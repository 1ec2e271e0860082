// The console's lists follow a walk the server cut short (SPEC 8's time budget) instead of stopping.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-shared/client.js';
import type { ErrorBody } from '../../src-shared/index.js';
import { afterPage, indexWait } from '../../src-renderer/screens/activity/page-step.js';

describe('after a page of the activity lists', () => {
  it('a short page with a cursor asks for the next at once; a full one waits for the scroll; no cursor is the end', () => {
    expect(afterPage(null, { items: [], next_cursor: 'c1' }, 200, 0)).toEqual({ next: 'c1', goOn: true });
    expect(afterPage('c1', { items: [1, 2], next_cursor: 'c2' }, 200, 2)).toEqual({ next: 'c2', goOn: true });
    expect(afterPage('c2', { items: Array(200).fill(0), next_cursor: 'c3' }, 200, 200)).toEqual({ next: 'c3', goOn: false });
    expect(afterPage('c3', { items: [1], next_cursor: null }, 200, 1)).toEqual({ next: null, goOn: false });
  });

  it('short pages that together make a page wait for the scroll, as one full page does', () => {
    expect(afterPage('c1', { items: Array(120).fill(0), next_cursor: 'c2' }, 200, 120)).toEqual({ next: 'c2', goOn: true });
    expect(afterPage('c2', { items: Array(90).fill(0), next_cursor: 'c3' }, 200, 210)).toEqual({ next: 'c3', goOn: false });
  });

  it('a cursor that does not move ends the list rather than asking for the same page forever', () => {
    expect(afterPage('c1', { items: [], next_cursor: 'c1' }, 200, 0)).toEqual({ next: null, goOn: false });
  });
});

describe('after a failed page of the activity lists', () => {
  const catchingUp: ErrorBody = {
    error: {
      code: 'unavailable',
      message: 'The search index is catching up with the log: …',
      details: [{ path: 'q', message: 'The search index is being built: 10 of 40 records indexed (25 %)' }],
    },
  };
  it('a list waiting for the search index says how far it has got and asks again when the server says', () => {
    expect(indexWait(new ApiError(503, catchingUp, 2))).toEqual({
      ms: 2000,
      notice: 'The search index is being built: 10 of 40 records indexed (25 %). Results appear as soon as it is done.',
    });
  });
  it('other failures are shown and wait for the person', () => {
    // Storage refusing writes, a 503 without a Retry-After, any other status, a network failure.
    expect(
      indexWait(new ApiError(503, { error: { code: 'unavailable', message: 'Storage cannot be written', details: [] } }, 1)),
    ).toBeNull();
    expect(indexWait(new ApiError(503, catchingUp, null))).toBeNull();
    expect(indexWait(new ApiError(500, catchingUp, 5))).toBeNull();
    expect(indexWait(new Error('offline'))).toBeNull();
  });
  it('never hammers the server nor waits past a minute', () => {
    expect(indexWait(new ApiError(503, catchingUp, 0))?.ms).toBe(1000);
    expect(indexWait(new ApiError(503, catchingUp, 3600))?.ms).toBe(60_000);
  });
});
