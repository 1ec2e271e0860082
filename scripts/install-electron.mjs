// The project's own Electron install step (package.json "postinstall").
// npm skips dependencies' install scripts, so Electron's binary download happens here, where a
// failure (an offline machine, a blocked mirror) is reported in one line and tolerated: everything
// but the desktop shell runs in plain Node, and `npm start` falls back to the headless console.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const TIMEOUT_MS = Number(process.env.GATEHOUSE_ELECTRON_INSTALL_TIMEOUT_MS ?? 120_000);

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

const dir = electronDir();
if (!dir) {
  console.log('gatehouse: electron is not installed (desktop shell unavailable; the headless console works).');
  process.exit(0);
}
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('gatehouse: ELECTRON_SKIP_BINARY_DOWNLOAD is set; skipping the Electron binary (headless console only).');
  process.exit(0);
}
if (existsSync(join(dir, 'path.txt')) && existsSync(join(dir, 'dist'))) process.exit(0);

const child = spawn(process.execPath, [join(dir, 'install.js')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (b) => (stderr += b.toString()));
const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  if (code === 0) {
    console.log('gatehouse: Electron binary installed.');
  } else {
    const lines = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = signal
      ? `timed out after ${TIMEOUT_MS / 1000}s`
      : (lines.find((l) => /E[A-Z]{3,}|Error:/.test(l) && !l.startsWith('at ')) ?? lines[0] ?? `exit ${code}`);
    console.log(
      `gatehouse: could not download the Electron binary (${why.slice(0, 160)}); tolerated — \`npm start\` will run the headless console.`,
    );
  }
  process.exit(0);
});
child.on('error', (e) => {
  console.log(`gatehouse: could not run Electron's installer (${e.message}); tolerated.`);
  process.exit(0);
});
