import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage } from '../../src-renderer/api/client.js';

describe('errorMessage', () => {
  it('shows what a 503 says cannot be done (a write, a read of the log, the search index), and the storage line when it says nothing', () => {
    const said = (message: string) => new ApiError(503, { error: { code: 'unavailable', message, details: [] } }, 1);
    expect(errorMessage(said('The log cannot be read right now. Retry shortly.'))).toBe('The log cannot be read right now. Retry shortly.');
    expect(errorMessage(said('Storage cannot be written right now; nothing was decided. Retry shortly.'))).toBe(
      'Storage cannot be written right now; nothing was decided. Retry shortly.',
    );
    expect(errorMessage(new ApiError(503, null))).toBe(
      'Gatehouse cannot write to its storage right now; nothing was changed. Try again shortly.',
    );
    expect(errorMessage(new ApiError(401, null))).toMatch(/session has ended/);
  });
});
