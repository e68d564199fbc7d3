// Builds the UI into ../Flatline/wwwroot-dist, which the executable embeds: content-hashed
// assets, an index.html that names them, and .gz/.br variants made once here.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

// SPEC §10: the UI's JS + CSS stay within 60 kB gzipped; the build fails beyond it.
const BUDGET = 60_000;

const out = new URL('../Flatline/wwwroot-dist/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: ['src/main.jsx'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => '/' + relative(out, p));
const script = outputs.find((p) => p.endsWith('.js'));
const style = outputs.find((p) => p.endsWith('.css'));
const html = readFileSync('index.html', 'utf8')
  .replace('%SCRIPT%', script)
  .replace('%STYLE%', style ? `<link rel="stylesheet" href="${style}">` : '');
writeFileSync(join(out, 'index.html'), html);
for (const name of readdirSync('public')) copyFileSync(join('public', name), join(out, name));

let total = 0;
for (const file of walk(out)) {
  if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
  const body = readFileSync(file);
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(file + '.gz', gz);
  writeFileSync(file + '.br', brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  if (/\.(js|css)$/.test(file)) total += gz.length;
  // The executable embeds only the compressed variants and inflates the .gz for the rare client
  // that accepts neither: one copy less inside the single file.
  rmSync(file);
}
console.log(`ui: built ${outputs.length} assets, JS + CSS ${total} bytes (${(total / 1000).toFixed(1)} kB) gzipped, budget ${BUDGET / 1000} kB`);
if (total > BUDGET) {
  console.error(`ui: JS + CSS is ${total - BUDGET} bytes over the ${BUDGET / 1000} kB gzipped budget (SPEC §10)`);
  process.exit(1);
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
