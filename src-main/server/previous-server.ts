import { readFileSync } from 'node:fs';
import type { ServerInfo } from '../../src-shared/index.js';

/** What the OS says of a process id: gone, a zombie, or running since a time (ms; null where unknown). */
export type ProcessState = { kind: 'gone' } | { kind: 'zombie' } | { kind: 'running'; startedMs: number | null };

/**
 * Linux counts a process's start in clock ticks since boot (`/proc/PID/stat` field 22); user space
 * sees 100 ticks a second on every architecture it runs on (USER_HZ).
 */
const USER_HZ = 100;

/** The state of `pid`: from `/proc` on Linux (zombies and start times), else whether a signal reaches it. */
export function processState(pid: number): ProcessState {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return { kind: 'zombie' };
    const bootS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ticks = Number(fields[19]);
    return {
      kind: 'running',
      startedMs: Number.isFinite(bootS) && Number.isFinite(ticks) ? bootS * 1000 + (ticks * 1000) / USER_HZ : null,
    };
  } catch {
    // No /proc (macOS, Windows), or no such process.
  }
  try {
    process.kill(pid, 0);
    return { kind: 'running', startedMs: null };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? { kind: 'running', startedMs: null } : { kind: 'gone' };
  }
}

/** How far the boot time Linux reports (whole seconds, from the current clock) may be off. */
export const START_SLACK_MS = 2_000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether something answers as a Gatehouse server at `url` (loopback only: nothing leaves the machine) within a second. */
export async function answersAsGatehouse(url: string): Promise<boolean> {
  try {
    if (!LOOPBACK.has(new URL(url).hostname)) return false;
    const res = await fetch(`${url.replace(/\/+$/, '')}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { status?: unknown };
    return res.ok && body.status === 'healthy';
  } catch {
    return false;
  }
}

export interface PreviousServerProbe {
  state: (pid: number) => ProcessState;
  answers: (url: string) => Promise<boolean>;
}

/**
 * Whether the server a `server.json` left in the data dir names still runs, so that a second one
 * must not start on the same data (`startServer`). The file outlives a crash, a `kill -9` or a power
 * loss, and its pid may since have become a zombie or, after a reboot, another program's: neither is
 * the server. A live process that started after the file says the server did is another one too,
 * unless the URL still answers as Gatehouse (a clock set forward since would otherwise make a
 * running server look gone). Where the OS gives no start time, a live pid is taken as the server.
 */
export async function previousServerRuns(
  info: ServerInfo,
  probe: PreviousServerProbe = { state: processState, answers: answersAsGatehouse },
): Promise<boolean> {
  const s = probe.state(info.pid);
  if (s.kind !== 'running') return false;
  const startedAfter = s.startedMs !== null && s.startedMs > Date.parse(info.started_at) + START_SLACK_MS;
  return startedAfter ? probe.answers(info.url) : true;
}
