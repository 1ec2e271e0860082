/**
 * The policy-file thread: reads one big policy file (YAML parsing, the schema, the condition
 * language: seconds for 10,000 policies) off the main event loop (SPEC 8) and posts the plain
 * result back (services/policy-file-read.ts). Started for one file; stopped once it answered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MAX_DETAILS } from '../core/errors.js';
import type { ParseOptions } from '../engine/index.js';
import { POLICIES_PER_PART, readPolicyFileChecked, type PolicyFileReply } from './policy-file-read.js';

const { text, opts } = workerData as { text: string; opts: ParseOptions };
const port = parentPort!;
const post = (reply: PolicyFileReply): void => port.postMessage(reply);
try {
  const read = readPolicyFileChecked(text, opts);
  // The first issues and their count: a file of 120,000 wrong policies would otherwise send 120,000
  // issue objects, whose copy alone held the main event loop for tens of ms.
  if (read.issues.length > MAX_DETAILS) {
    read.issueCount = read.issues.length;
    read.issues = read.issues.slice(0, MAX_DETAILS);
  }
  if (read.file) {
    const { policies } = read.file;
    for (let i = 0; i < policies.length; i += POLICIES_PER_PART) post({ part: policies.slice(i, i + POLICIES_PER_PART) });
    read.file.policies = [];
  }
  post({ ok: true, read });
} catch (e) {
  post({ ok: false, message: e instanceof Error ? e.message : String(e) });
}
