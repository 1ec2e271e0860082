/**
 * The `prev_hash` of the first record of a chain (SPEC 7.2). A module of its own, without zod, so
 * that the storage worker threads, which need it, do not load every schema (each thread's heap is
 * part of the process's RSS).
 */
export const ZERO_HASH = '0'.repeat(64);
