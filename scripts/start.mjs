// `npm start`: build if needed, then the Electron app — or, where no Electron binary is installed
// (an offline machine), one line saying so and the headless console (`gatehouse serve --open`).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../bin/server-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const extra = process.argv.slice(2);

const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-needed'], { cwd: root, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

function electronBinary() {
  try {
    return require('electron'); // the binary's path; throws when it was never downloaded
  } catch {
    return null;
  }
}

const electron = electronBinary();
const child = electron
  ? // The app's main process runs the server: its V8 flags go on Electron's command line (they only
    // take effect at start), its malloc setting in the environment (bin/server-runtime.mjs).
    spawn(electron, [`--js-flags=${SERVER_NODE_FLAGS.join(' ')}`, root, ...extra], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...SERVER_ENV },
    })
  : (console.log('gatehouse: no Electron binary on this machine — starting the headless console instead (gatehouse serve --open).'),
    spawn(process.execPath, [join(root, 'bin/gatehouse.mjs'), 'serve', '--open', ...extra], { cwd: root, stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
