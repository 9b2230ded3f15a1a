// What the browser tests and the browser benchmarks share: the static server
// (scripts/serve.mjs on a free port) and headless Chromium with the flags this
// machine needs. Debian's chromium (CHROMIUM, default /usr/bin/chromium) and
// playwright-core from npm; nothing is downloaded.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Headless Chromium; `extraArgs` after the common flags. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Serves www/ (under `base` when given, e.g. '/ltvlab/') on 127.0.0.1 and a
 * free port. Resolves to { child, url } once the server has printed its
 * address; `child.kill()` stops it.
 */
export async function startServer(base) {
  const args = ['scripts/serve.mjs', '--root', 'www', '--port', '0', ...(base ? ['--base', base] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/ at (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
  });
  return { child, url };
}
