import { describe, expect, it } from 'vitest';
import type { NormalizedAction } from '../../src-shared/index.js';
import { action, ctx, engineOf, holds, policy, whyNot } from './helpers.js';

type Case = [name: string, when: Record<string, unknown>, act: Partial<NormalizedAction>, expected: boolean];

const db: Partial<NormalizedAction> = {
  action_type: 'database.delete',
  resource: 'postgres://prod/users',
  environment: 'production',
  tool_name: 'postgresql',
  target_system: 'production-db',
  description: 'Delete old audit logs',
  parameters: {
    sql: 'DELETE FROM users WHERE id = 1',
    limit: 10,
    nested: { path: '/etc/hosts', tags: ['a', 'b'] },
    flag: true,
    count: '12',
    none: null,
  },
  context: { estimated_rows: 10000, is_production: true, has_backup: true },
  mcp: { server_id: 'fs', tool: 'write_file' },
};

describe('when: bare values', () => {
  const cases: Case[] = [
    ['string equality', { action_type: 'database.delete' }, db, true],
    ['string inequality', { action_type: 'database.read' }, db, false],
    ['equality is case-sensitive', { action_type: 'Database.Delete' }, db, false],
    ['* wildcard', { action_type: 'database.*' }, db, true],
    ['* matches across slashes', { resource: 'postgres://*' }, db, true],
    ['* in the middle', { resource: 'postgres://*/users' }, db, true],
    ['? one character', { action_type: 'database?delete' }, db, true],
    ['? is exactly one', { action_type: 'database??delete' }, db, false],
    ['wildcard whole-string', { action_type: 'database' + '*read' }, db, false],
    ['*x* contains', { resource: '*prod*' }, db, true],
    ['number equality', { 'parameters.limit': 10 }, db, true],
    ['number vs string form', { 'parameters.count': 12 }, db, true],
    ['boolean equality', { 'context.is_production': true }, db, true],
    ['boolean mismatch', { 'context.has_backup': false }, db, false],
    ['list is any of', { action_type: ['database.read', 'database.delete'] }, db, true],
    ['list with wildcards', { action_type: ['file.*', 'data*'] }, db, true],
    ['list none', { action_type: ['file.*', 'shell.exec'] }, db, false],
    ['nested parameter path', { 'parameters.nested.path': '/etc/*' }, db, true],
    ['array index in path', { 'parameters.nested.tags.1': 'b' }, db, true],
    ['every key must hold (AND)', { action_type: 'database.delete', environment: 'staging' }, db, false],
    ['empty when matches everything', {}, db, true],
    ['mcp.server_id', { 'mcp.server_id': 'fs' }, db, true],
    ['mcp.tool', { 'mcp.tool': 'write_*' }, db, true],
    ['tool_name', { tool_name: 'postgresql' }, db, true],
    ['target_system', { target_system: '*-db' }, db, true],
    ['description', { description: 'Delete*' }, db, true],
    ['agent_id', { agent_id: 'agent-*' }, db, true],
    ['risk_context alias of context', { 'risk_context.estimated_rows': 10000 }, db, true],
  ];
  it.each(cases)('%s', (_name, when, act, expected) => expect(holds(when, act)).toBe(expected));
});

describe('when: operators', () => {
  const cases: Case[] = [
    ['eq', { environment: { eq: 'production' } }, db, true],
    ['eq does not glob', { environment: { eq: 'prod*' } }, db, false],
    ['ne', { environment: { ne: 'staging' } }, db, true],
    ['ne on equal value', { environment: { ne: 'production' } }, db, false],
    ['in', { action_type: { in: ['database.delete', 'db.delete'] } }, db, true],
    ['in is exact', { action_type: { in: ['database.*'] } }, db, false],
    ['not_in', { action_type: { not_in: ['file.read'] } }, db, true],
    ['not_in member', { action_type: { not_in: ['database.delete'] } }, db, false],
    ['glob', { resource: { glob: 'postgres://prod/*' } }, db, true],
    ['glob list', { resource: { glob: ['/etc/*', 'postgres://*'] } }, db, true],
    ['glob miss', { resource: { glob: '/etc/*' } }, db, false],
    ['regex', { 'parameters.sql': { regex: '^DELETE\\s+FROM' } }, db, true],
    ['regex flags literal', { 'parameters.sql': { regex: '/^delete from/i' } }, db, true],
    ['regex case-sensitive by default', { 'parameters.sql': { regex: '^delete' } }, db, false],
    ['regex with slashes and no flag is literal', { 'parameters.nested.path': { regex: '/etc/' } }, db, true],
    ['contains substring', { 'parameters.sql': { contains: 'WHERE' } }, db, true],
    ['contains array element', { 'parameters.nested.tags': { contains: 'a' } }, db, true],
    ['contains array miss', { 'parameters.nested.tags': { contains: 'z' } }, db, false],
    ['starts_with', { resource: { starts_with: 'postgres://' } }, db, true],
    ['ends_with', { resource: { ends_with: '/users' } }, db, true],
    ['ends_with miss', { resource: { ends_with: '/orders' } }, db, false],
    ['gt', { 'context.estimated_rows': { gt: 9999 } }, db, true],
    ['gt boundary', { 'context.estimated_rows': { gt: 10000 } }, db, false],
    ['gte boundary', { 'context.estimated_rows': { gte: 10000 } }, db, true],
    ['lt', { 'parameters.limit': { lt: 11 } }, db, true],
    ['lte boundary', { 'parameters.limit': { lte: 10 } }, db, true],
    ['lt boundary', { 'parameters.limit': { lt: 10 } }, db, false],
    ['comparison on numeric string', { 'parameters.count': { gte: 12 } }, db, true],
    ['comparison on non-number', { resource: { gt: 1 } }, db, false],
    ['several operators are ANDed', { 'context.estimated_rows': { gte: 1000, lt: 100000 } }, db, true],
    ['several operators, one fails', { 'context.estimated_rows': { gte: 1000, lt: 5000 } }, db, false],
    ['exists true', { 'context.has_backup': { exists: true } }, db, true],
    ['exists true on missing', { 'context.owner': { exists: true } }, db, false],
    ['exists false on missing', { 'context.owner': { exists: false } }, db, true],
    ['exists false on present', { 'context.has_backup': { exists: false } }, db, false],
    ['null counts as missing', { 'parameters.none': { exists: false } }, db, true],
  ];
  it.each(cases)('%s', (_name, when, act, expected) => expect(holds(when, act)).toBe(expected));
});

describe('when: a missing field is false, except exists: false', () => {
  const bare: Partial<NormalizedAction> = { action_type: 'x.y' };
  const cases: [string, Record<string, unknown>][] = [
    ['equality', { resource: 'a' }],
    ['wildcard', { resource: '*' }],
    ['list', { resource: ['a', '*'] }],
    ['ne', { resource: { ne: 'a' } }],
    ['not_in', { resource: { not_in: ['a'] } }],
    ['glob', { resource: { glob: '*' } }],
    ['regex', { resource: { regex: '.*' } }],
    ['contains', { resource: { contains: '' } }],
    ['gt', { 'context.n': { gt: -1 } }],
    ['lte', { 'context.n': { lte: 1e9 } }],
    ['nested parameter', { 'parameters.a.b.c': 'x' }],
    ['risk-less mcp', { 'mcp.server_id': '*' }],
  ];
  it.each(cases)('%s on a missing field is false', (_name, when) => expect(holds(when, bare)).toBe(false));
  it('exists: false on a missing field holds', () => expect(holds({ resource: { exists: false } }, bare)).toBe(true));
  it('prototype keys are not fields', () => {
    expect(holds({ 'parameters.constructor': { exists: true } }, { parameters: {} })).toBe(false);
    expect(holds({ 'context.__proto__': { exists: true } }, { context: {} })).toBe(false);
  });
});

describe('when: combinators', () => {
  const cases: Case[] = [
    ['all holds', { all: [{ action_type: 'database.*' }, { environment: 'production' }] }, db, true],
    ['all one fails', { all: [{ action_type: 'database.*' }, { environment: 'staging' }] }, db, false],
    ['empty all holds', { all: [] }, db, true],
    ['any one holds', { any: [{ environment: 'staging' }, { environment: 'production' }] }, db, true],
    ['any none holds', { any: [{ environment: 'staging' }, { environment: 'dev' }] }, db, false],
    ['not', { not: { environment: 'staging' } }, db, true],
    ['not of a holding condition', { not: { environment: 'production' } }, db, false],
    ['not of a missing field', { not: { 'context.owner': 'me' } }, db, true],
    [
      'nested',
      { any: [{ all: [{ environment: 'production' }, { not: { 'context.has_backup': true } }] }, { 'parameters.limit': { gt: 5 } }] },
      db,
      true,
    ],
    [
      'combinator with sibling fields',
      { action_type: 'database.delete', any: [{ environment: 'dev' }], not: { resource: '/etc/*' } },
      db,
      false,
    ],
  ];
  it.each(cases)('%s', (_name, when, act, expected) => expect(holds(when, act)).toBe(expected));
});

describe('when: context.environment as the seeds write it', () => {
  it('reads context.environment', () => {
    expect(holds({ 'context.environment': 'production' }, { context: { environment: 'production' } })).toBe(true);
  });
  it('falls back to the top-level environment', () => {
    expect(holds({ 'context.environment': 'production' }, { environment: 'production' })).toBe(true);
  });
  it('prefers context.environment when both are present', () => {
    expect(holds({ 'context.environment': 'production' }, { environment: 'production', context: { environment: 'staging' } })).toBe(false);
  });
  it('the top-level environment does not fall back to context', () => {
    expect(holds({ environment: 'production' }, { context: { environment: 'production' } })).toBe(false);
  });
});

describe('when: time and risk', () => {
  const at = (hour: number, day: number) => ctx({ now: new Date(2026, 10, 15 + day, hour, 30) }); // 2026-11-15 is a Sunday
  const probe = (when: Record<string, unknown>, context = ctx()) =>
    engineOf([policy({ id: 'probe', when })]).decide(action(), context).policy?.id === 'probe';

  it('time.hour is local', () => {
    expect(probe({ 'time.hour': 9 }, at(9, 1))).toBe(true);
    expect(probe({ 'time.hour': { gte: 22 } }, at(23, 1))).toBe(true);
    expect(probe({ 'time.hour': { gte: 22 } }, at(21, 1))).toBe(false);
  });
  it('time.weekday is mon…sun', () => {
    expect(probe({ 'time.weekday': 'sun' }, at(12, 0))).toBe(true);
    expect(probe({ 'time.weekday': 'mon' }, at(12, 1))).toBe(true);
    expect(probe({ 'time.weekday': ['sat', 'sun'] }, at(12, 3))).toBe(false);
    expect(probe({ 'time.weekday': { in: ['wed'] } }, at(12, 3))).toBe(true);
  });
  it('risk.score and risk.level (levels are ordered)', () => {
    const act = { action_type: 'database.delete' }; // base 60 → medium
    const e = (when: Record<string, unknown>) =>
      engineOf([policy({ id: 'probe', when })]).decide(action(act), ctx()).policy?.id === 'probe';
    expect(e({ 'risk.score': 60 })).toBe(true);
    expect(e({ 'risk.score': { gte: 70 } })).toBe(false);
    expect(e({ 'risk.level': 'medium' })).toBe(true);
    expect(e({ 'risk.level': { gte: 'medium' } })).toBe(true);
    expect(e({ 'risk.level': { gt: 'medium' } })).toBe(false);
    expect(e({ 'risk.level': { lt: 'critical' } })).toBe(true);
    expect(e({ 'risk.factors': { contains: 'base' } })).toBe(true);
    expect(e({ 'risk.factors': { contains: 'secrets' } })).toBe(false);
  });
});

describe('explain: the first failing condition', () => {
  const cases: [Record<string, unknown>, Partial<NormalizedAction>, string][] = [
    [{ resource: { glob: '/etc/*' } }, { resource: 'x' }, 'resource "x" does not match glob "/etc/*"'],
    [{ resource: '/etc/*' }, { resource: 'x' }, 'resource "x" does not match "/etc/*"'],
    [{ environment: 'production' }, { environment: 'dev' }, 'environment "dev" does not equal "production"'],
    [{ resource: 'a' }, {}, 'resource is missing'],
    [{ 'context.n': { gt: 5 } }, { context: { n: 3 } }, 'context.n 3 is not > 5'],
    [{ 'context.n': { exists: false } }, { context: { n: 3 } }, 'context.n is present (3) but exists: false'],
    [{ action_type: { in: ['a', 'b'] } }, { action_type: 'c' }, 'action_type "c" is not one of ["a","b"]'],
    [{ action_type: { ne: 'c' } }, { action_type: 'c' }, 'action_type "c" equals "c" (ne)'],
    [{ resource: { regex: '^/etc' } }, { resource: '/tmp' }, 'resource "/tmp" does not match regex /^/etc/'],
    [{ not: { action_type: 'c' } }, { action_type: 'c' }, 'not: {"action_type":"c"} holds'],
    [{ action_type: 'c', resource: 'r' }, { action_type: 'c', resource: 'q' }, 'resource "q" does not equal "r"'],
  ];
  it.each(cases)('%j', (when, act, reason) => expect(whyNot(when, act)).toBe(reason));
  it('any lists every failing branch', () => {
    expect(whyNot({ any: [{ environment: 'a' }, { environment: 'b' }] }, { environment: 'c' })).toBe(
      'none of any holds (environment "c" does not equal "a"; environment "c" does not equal "b")',
    );
  });
});
