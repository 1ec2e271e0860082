#!/usr/bin/env node
// The `gatehouse` command. Runs the prebuilt bundle (no TypeScript at run time).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(bundle)) {
  process.stderr.write('gatehouse: not built yet — run `npm run build` in the gatehouse folder.\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(bundle).href);
await main(process.argv);
