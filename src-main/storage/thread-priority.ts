import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread alone, where the OS
 * gives a thread a priority of its own: Linux, where `/proc/thread-self` names the thread's id and
 * setpriority() takes it. Elsewhere (macOS, Windows) an id given to setpriority() is a process's,
 * so nothing is done. Never on the main thread (its id is the process's). Whether it was lowered.
 */
export function lowerThreadPriority(nice: number): boolean {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(tid) || tid <= 0 || tid === process.pid) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
