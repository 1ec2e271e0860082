/**
 * The policy-file thread: reads one big policy file (YAML parsing, the schema, the condition
 * language: seconds for 10,000 policies) off the main event loop (SPEC 8) and posts the plain
 * result back (services/policy-file-read.ts). Started for one file; stopped once it answered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ParseOptions } from '../engine/index.js';
import { POLICIES_PER_PART, readPolicyFileChecked, type PolicyFileReply } from './policy-file-read.js';

const { text, opts } = workerData as { text: string; opts: ParseOptions };
const port = parentPort!;
const post = (reply: PolicyFileReply): void => port.postMessage(reply);
try {
  const read = readPolicyFileChecked(text, opts);
  if (read.file) {
    const { policies } = read.file;
    for (let i = 0; i < policies.length; i += POLICIES_PER_PART) post({ part: policies.slice(i, i + POLICIES_PER_PART) });
    read.file.policies = [];
  }
  post({ ok: true, read });
} catch (e) {
  post({ ok: false, message: e instanceof Error ? e.message : String(e) });
}
