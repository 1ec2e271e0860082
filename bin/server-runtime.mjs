// How the long-running server process is started (`gatehouse serve`, the desktop app through
// `npm start`, and the storage bench, which measures the same store): settings that only take effect
// when a process starts, so they are set where it is launched. Measured with bench/rss-probe.ts at
// 200,000 and 1,000,000 records (issue 11: peak RSS ≤ 200 MB):
//
// - V8's young generation: by default it grows under load to 2 × 64 MB on the main thread (128 MB
//   seen at 1M records ingested), and the pages it gives back stay resident in V8's pool. Semi-spaces
//   of 5 MB keep it at ~10 MB. V8 would apply the flag to every isolate of the process; the storage
//   threads clear it before the first of them starts, so that each keeps its own young generation
//   (storage/workers.ts threadsKeepOwnYoungGeneration).
//   2 MB took another 12–22 MB off the peak at 1M records, but verification ran 15–20 % slower and
//   submits under 32 connections 12–15 % slower (alternated runs of the storage probe and the api
//   bench): not taken.
// - V8's old generation: garbage (request bodies, records sealed and sent) piles up to a limit that
//   grows by up to ×4 after each full collection when the heap is busy; growing it by 20 % at a time
//   instead cut the storage bench's peak RSS at 200,000 records by ~30 MB (376-387 → 346-352 MB, two
//   runs each, alternated) at the same ingest, export and verification rates. (--optimize-for-size
//   cut ~115 MB but ingest by 20 % and verification by half: not taken.)
// - glibc's malloc: every thread that allocates (main, storage threads, libuv's pool, V8's helpers)
//   otherwise gets an arena of its own, and freed memory stays in it; two arenas hold the same
//   allocations with less of it idle.
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=5', '--heap-growing-percent=20'];
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' };
