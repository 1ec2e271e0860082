import { Worker } from 'node:worker_threads';
import type { ErrorDetail } from '../../src-shared/index.js';
import { illFormedField } from '../core/text.js';
import { readPolicyFile, type ParsedPolicyFile, type ParseOptions } from '../engine/index.js';
import { workerFileAsync } from '../storage/worker-file.js';

/** What reading a policy file gives (see readPolicyFile), with the check of its text's well-formedness. */
export interface PolicyFileRead {
  file: ParsedPolicyFile | null;
  issues: ErrorDetail[];
  /** How many issues the file has, when `issues` holds only the first of them (the file thread's answer). */
  issueCount?: number;
  policyPaths: string[];
}

/**
 * Reads a policy file (readPolicyFile) and checks what YAML escapes can make that no canonical JSON
 * (the audit chain) or UTF-8 file can hold; every problem in `issues`. Pure: it runs on the main
 * thread for a small file and on a thread of its own for a big one (readPolicyFileOffLoop).
 */
export function readPolicyFileChecked(text: string, opts: ParseOptions): PolicyFileRead {
  const read = readPolicyFile(text, opts);
  if (read.file) {
    const bad = illFormedField(read.file);
    if (bad) read.issues.push(bad);
  }
  return read;
}

/**
 * Files up to this size are read on the main thread: YAML parsing costs ~1–2 µs per byte (a
 * 16 KiB file, ~80 policies, well under SPEC 8's 50 ms; the shipped defaults are ~5 KiB). A bigger
 * one is read on a thread of its own: a 10,000-policy file (2 MB) takes seconds to parse, which no
 * slicing of the parser could bound.
 */
export const INLINE_READ_LIMIT = 16 * 1024;

/**
 * The replies of the policy-file thread (services/policy-file-worker.ts): the file's policies in
 * parts of POLICIES_PER_PART, then the rest of what was read (its `file.policies` empty). Each
 * message is copied into the main thread on its own turn of the event loop (a 10,000-policy file in
 * one message took tens of ms to copy in).
 */
export type PolicyFileReply = { part: ParsedPolicyFile['policies'] } | { ok: true; read: PolicyFileRead } | { ok: false; message: string };

export const POLICIES_PER_PART = 500;

/**
 * `readPolicyFileChecked` without holding the event loop (SPEC 8): a big file is parsed and validated
 * on a worker thread started for it, and only the plain result comes back (the policies are compiled
 * afterwards, in slices). The same result and the same errors as on the main thread.
 */
export async function readPolicyFileOffLoop(text: string, opts: ParseOptions): Promise<PolicyFileRead> {
  if (text.length <= INLINE_READ_LIMIT) return readPolicyFileChecked(text, opts);
  const worker = new Worker(await workerFileAsync('policy-file-worker'), { workerData: { text, opts } });
  try {
    const policies: ParsedPolicyFile['policies'] = [];
    const read = await new Promise<PolicyFileRead>((resolve, reject) => {
      worker.on('message', (reply: PolicyFileReply) => {
        if ('part' in reply) for (const p of reply.part) policies.push(p);
        else if (reply.ok) resolve(reply.read);
        else reject(new Error(reply.message));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the policy file thread stopped (exit code ${code}) before it read the file`)));
    });
    if (read.file) read.file.policies = policies;
    return read;
  } finally {
    void worker.terminate();
  }
}
