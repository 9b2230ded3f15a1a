#!/usr/bin/env node
// A tiny static server for www/, with no dependencies beyond Node itself.
//
//   node scripts/serve.mjs [--root www] [--port 8080] [--base /]
//
// Env ROOT, PORT and BASE give the defaults. --port 0 picks a free port. --base
// serves the site under a subpath (e.g. /ltvlab/), which is how the browser
// tests check that the page only uses relative URLs. It binds 127.0.0.1 only,
// and prints one line, `serving <root> at <url>`, once it listens.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

// The policies of the pages' <meta> tags, plus what only a header can say.
// The header also covers the workers, which have no document to carry a meta
// tag; 'wasm-unsafe-eval' lets them compile wasm. `frame-ancestors` (no site
// may frame these pages: clickjacking) is ignored in a <meta> policy, so it is
// sent here only, and a deployment must send it as a header too (README,
// "Web app"). tests/browser/security.test.mjs checks that each page's <meta> policy
// is its header's without the header-only part.
const HEADER_ONLY = "frame-ancestors 'none'";
/** The app (www/index.html). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
/**
 * The widget's snippet generator and demo pages (www/widget/): nothing but
 * their own scripts, styles, the .wasm fetch and the CSV drop's worker.
 */
export const WIDGET_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: process.env.ROOT ?? 'www' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    base: { type: 'string', default: process.env.BASE ?? '/' },
  },
});

const root = path.resolve(args.root);
const base = `/${args.base.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port ${JSON.stringify(args.port)}`);
  process.exit(2);
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  const policy = pathname.startsWith(`${base}widget/`) ? WIDGET_CSP : CSP;
  const headers = {
    'Content-Security-Policy': `${policy}; ${HEADER_ONLY}`,
    // The same for browsers that predate frame-ancestors.
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // A dev server: always revalidate, so a rebuilt www/pkg is picked up.
    'Cache-Control': 'no-cache',
  };
  const fail = (status, message) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : `${message}\n`);
  };

  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
  if (`${pathname}/` === base) {
    res.writeHead(301, { ...headers, Location: base });
    return res.end();
  }
  if (!pathname.startsWith(base)) return fail(404, 'not found');

  let relative;
  try {
    relative = decodeURIComponent(pathname.slice(base.length));
  } catch {
    return fail(400, 'bad request');
  }
  let file = path.resolve(root, `.${path.posix.sep}${relative}`);
  if (relative.includes('\0') || (file !== root && !file.startsWith(root + path.sep))) {
    return fail(403, 'forbidden');
  }

  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { ...headers, Location: `${pathname}/` });
        return res.end();
      }
      file = path.join(file, 'index.html');
      info = await stat(file);
    }
    if (!info.isFile()) return fail(404, 'not found');
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': info.size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  } catch {
    fail(404, 'not found');
  }
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`serving ${root} at http://127.0.0.1:${actual}${base}`);
});
