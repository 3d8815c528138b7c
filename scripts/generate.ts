import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstDifference, generate, readCommitted } from './generate/index.ts';

// `npm run docs`: writes the generated Markdown blocks, .env.example and
// loadtest/lib/objectives.ts from their sources (scripts/generate/).
// `npm run docs -- --check` writes nothing and exits 1 when a file is out of date.

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

try {
  let stale = 0;
  for (const { path, content } of generate(root)) {
    const committed = readCommitted(root, path);
    if (committed === content) continue;
    stale += 1;
    if (check) {
      process.stderr.write(`${path} is out of date: run npm run docs (${firstDifference(content, committed) ?? ''})\n`);
    } else {
      writeFileSync(join(root, path), content);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  if (stale === 0) process.stdout.write('generated files are up to date\n');
  if (check && stale > 0) process.exitCode = 1;
} catch (error) {
  process.stderr.write(`npm run docs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
