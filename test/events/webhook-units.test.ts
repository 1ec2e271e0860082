import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src-shared/index.js';
import { DEFAULT_BACKOFF_MS, nextAfterFailure, scheduleBackoff } from '../../src-main/events/webhook-backoff.js';
import { deliveryBody, slackText } from '../../src-main/events/webhook-format.js';
import { auditUrl } from '../../src-main/events/webhook-rows.js';
import { signatureOf, unixSeconds } from '../../src-main/events/webhook-signature.js';
import { seedVerify } from './receiver.js';

const envelope = (event: EventEnvelope['event'], data: EventEnvelope['data']): EventEnvelope => ({
  id: 'evt_test1',
  event,
  created_at: '2026-11-21T12:00:00.000Z',
  data,
});

describe('webhook signature', () => {
  it('is exactly the seeds\u2019 HMAC-SHA256 over "<timestamp>.<raw body>"', () => {
    const body = JSON.stringify(envelope('action.approved', { action_id: 'act_1' }));
    const ts = 1_763_726_400;
    const expected = crypto.createHmac('sha256', 'whsec-test-123').update(`${ts}.${body}`).digest('hex');
    expect(signatureOf('whsec-test-123', ts, body)).toBe(`v1=${expected}`);
    expect(
      seedVerify('whsec-test-123', { 'x-signature': signatureOf('whsec-test-123', ts, body), 'x-request-timestamp': String(ts) }, body),
    ).toBe(true);
    expect(
      seedVerify('wrong-secret', { 'x-signature': signatureOf('whsec-test-123', ts, body), 'x-request-timestamp': String(ts) }, body),
    ).toBe(false);
    expect(
      seedVerify('whsec-test-123', { 'x-signature': signatureOf('whsec-test-123', ts, body), 'x-request-timestamp': String(ts + 1) }, body),
    ).toBe(false);
  });

  it('uses unix seconds', () => {
    expect(unixSeconds(1_763_726_400_999)).toBe(1_763_726_400);
  });
});

describe('webhook backoff', () => {
  it('follows 5 s, 30 s, 2 min, 10 min, 30 min, then hourly', () => {
    const b = scheduleBackoff(DEFAULT_BACKOFF_MS, { jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => b.delayMs(n))).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it('jitters within ±20%', () => {
    const lo = scheduleBackoff(DEFAULT_BACKOFF_MS, { random: () => 0 });
    const hi = scheduleBackoff(DEFAULT_BACKOFF_MS, { random: () => 0.999999 });
    expect(lo.delayMs(1)).toBe(4_000);
    expect(hi.delayMs(1)).toBe(6_000);
    const rnd = scheduleBackoff();
    for (let i = 0; i < 200; i++) {
      const d = rnd.delayMs(2);
      expect(d).toBeGreaterThanOrEqual(24_000);
      expect(d).toBeLessThanOrEqual(36_000);
    }
  });

  it('gives up 24 h after creation', () => {
    const b = scheduleBackoff(DEFAULT_BACKOFF_MS, { jitter: 0 });
    const created = 1_000_000;
    expect(nextAfterFailure(b, 1, created, created + 1_000)).toEqual({ status: 'retrying', nextMs: created + 6_000 });
    expect(nextAfterFailure(b, 25, created, created + 23 * 3_600_000)).toEqual({ status: 'retrying', nextMs: created + 24 * 3_600_000 });
    // A step past the 24 h ends at them: the last attempt is at 24 h, not up to an hour before.
    expect(nextAfterFailure(b, 26, created, created + 23.5 * 3_600_000)).toEqual({ status: 'retrying', nextMs: created + 24 * 3_600_000 });
    expect(nextAfterFailure(b, 27, created, created + 24 * 3_600_000)).toEqual({ status: 'failed', nextMs: null });
    // The whole default schedule retries for 24 h and then stops: about 28 attempts.
    let now = created;
    let attempts = 0;
    for (;;) {
      attempts++;
      const step = nextAfterFailure(b, attempts, created, now);
      if (step.status === 'failed') break;
      now = step.nextMs;
    }
    expect(now - created).toBe(24 * 3_600_000);
    expect(attempts).toBeGreaterThan(20);
    expect(attempts).toBeLessThan(35);
  });

  it('rejects an empty schedule', () => {
    expect(() => scheduleBackoff([])).toThrow();
  });
});

describe('slack format', () => {
  const pending = envelope('approval.requested', {
    action_id: 'act_1',
    agent_id: 'claude-code',
    action_type: 'shell.exec',
    resource: 'rm -rf build',
    decision: 'pending',
    risk: { score: 80, level: 'high', factors: [] },
  });

  it('summarises an approval request in one readable line', () => {
    expect(slackText(pending)).toBe(':warning: Approval needed: claude-code wants shell.exec on "rm -rf build" (risk 80 high)');
    expect(JSON.parse(deliveryBody('slack', pending))).toEqual({ text: slackText(pending) });
  });

  it('sends the envelope itself for json', () => {
    expect(JSON.parse(deliveryBody('json', pending))).toEqual(pending);
  });

  it('escapes Slack control characters and keeps one line', () => {
    const t = slackText(
      envelope('action.denied', {
        agent_id: 'x',
        action_type: 'http.request',
        resource: '<b>&\nnext',
        reason: 'Matched <policy>',
        risk: { score: 50, level: 'medium' },
      }),
    );
    expect(t).toBe(':no_entry: Denied: x may not run http.request on "&lt;b&gt;&amp; next" (risk 50 medium): Matched &lt;policy&gt;');
    expect(t).not.toMatch(/\n/);
  });

  it('truncates long resources', () => {
    const t = slackText(envelope('action.allowed', { agent_id: 'a', action_type: 'file.write', resource: 'x'.repeat(1000) }));
    expect(t.length).toBeLessThan(220);
    expect(t).toContain('…');
  });

  it('covers every event', () => {
    const names = [
      'action.submitted',
      'action.allowed',
      'action.denied',
      'approval.requested',
      'action.approved',
      'action.rejected',
      'action.expired',
      'action.completed',
      'policy.changed',
      'alert.triggered',
    ] as const;
    for (const n of names) expect(slackText(envelope(n, {})).length).toBeGreaterThan(5);
    expect(slackText(envelope('alert.triggered', { kind: 'critical-risk', message: 'Critical-risk action from a' }))).toBe(
      ':rotating_light: Alert (critical-risk): Critical-risk action from a',
    );
    expect(slackText(envelope('policy.changed', { change: 'imported', policy_ids: ['a', 'b'] }))).toBe(
      ':scroll: Policies imported: 2 policies',
    );
    expect(slackText(envelope('action.completed', { agent_id: 'a', action_type: 'shell.exec', status: 'failed', error: 'exit 1' }))).toBe(
      ':boom: Failed: a ran shell.exec: exit 1',
    );
  });
});

describe('audit url', () => {
  it('keeps origin and first path segment only (incoming-webhook URLs carry their token in the path)', () => {
    expect(auditUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com/services/…');
    expect(auditUrl('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
    expect(auditUrl('http://user:pw@example.com/a?token=1')).toBe('http://example.com/a/…');
  });
});
