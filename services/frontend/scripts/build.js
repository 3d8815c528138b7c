// Bundles src/ into dist/: content-hashed assets (safe to cache for a year) and an
// index.html that names them (never cached), with no inline script or style so a
// strict Content-Security-Policy holds.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(src, 'main.ts') },
  outdir: join(dist, 'assets'),
  entryNames: '[name].[hash]',
  assetNames: '[name].[hash]',
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, output]) => output.entryPoint !== undefined);
if (!entry) throw new Error('esbuild produced no entry chunk');
const [jsPath, jsOutput] = entry;
const cssPath = jsOutput.cssBundle;
if (!cssPath) throw new Error('esbuild produced no CSS bundle (is styles.css imported by main.ts?)');

const assetUrl = (path) => `/assets/${basename(path)}`;
const html = (await readFile(join(src, 'index.html'), 'utf8'))
  .replace('%APP_JS%', assetUrl(jsPath))
  .replace('%APP_CSS%', assetUrl(cssPath));
if (html.includes('%APP_')) throw new Error('index.html has a placeholder the build does not know');

await writeFile(join(dist, 'index.html'), html);
await copyFile(join(src, 'favicon.svg'), join(dist, 'favicon.svg'));
process.stdout.write(`built ${assetUrl(jsPath)} and ${assetUrl(cssPath)}\n`);
