import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, resolvePort } from '../../src-main/config/paths.js';

describe('gatehouse serve --port / $GATEHOUSE_PORT', () => {
  it('takes --port, else $GATEHOUSE_PORT, else 7077', () => {
    expect(resolvePort('0', {})).toBe(0);
    expect(resolvePort('8080', { GATEHOUSE_PORT: '9090' })).toBe(8080);
    expect(resolvePort(undefined, { GATEHOUSE_PORT: '9090' })).toBe(9090);
    expect(resolvePort(undefined, {})).toBe(DEFAULT_PORT);
    expect(resolvePort('65535', {})).toBe(65535);
  });

  it('an empty $GATEHOUSE_PORT is unset (7077), not port 0 (a random port)', () => {
    expect(resolvePort(undefined, { GATEHOUSE_PORT: '' })).toBe(DEFAULT_PORT);
  });

  it('refuses what is not a port written in decimal, instead of reading it as another port', () => {
    for (const bad of ['', ' ', '0x50', '8e3', '80.0', ' 80', '-1', '65536', 'abc', '+80'])
      expect(() => resolvePort(bad, {}), JSON.stringify(bad)).toThrow(/invalid port/);
    // Named where it came from: the variable is not on the command line the user is looking at.
    expect(() => resolvePort(undefined, { GATEHOUSE_PORT: '0x1F90' })).toThrow('invalid port in $GATEHOUSE_PORT: "0x1F90"');
    expect(() => resolvePort('abc', { GATEHOUSE_PORT: '8080' })).toThrow('invalid port: "abc"');
  });
});
