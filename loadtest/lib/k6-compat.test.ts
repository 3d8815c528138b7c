import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// k6 is not Node: its scripts may import k6's own modules and each other,
// with the literal `.ts` path k6 resolves, and nothing from Node or npm.
const loadtestDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scripts = ['.', 'lib', 'k6']
  .flatMap((dir) => readdirSync(path.join(loadtestDir, dir)).map((name) => path.join(dir, name)))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

describe('k6 scripts', () => {
  it('exist: six entry files and the modules they import', () => {
    expect(scripts.filter((f) => path.dirname(f) === '.').sort()).toEqual([
      'average.ts',
      'breakpoint.ts',
      'smoke.ts',
      'soak.ts',
      'spike.ts',
      'stress.ts',
    ]);
  });

  it.each(scripts)('%s imports only k6 modules and relative .ts files', (file) => {
    const source = readFileSync(path.join(loadtestDir, file), 'utf8');
    // Type-only imports vanish when k6 strips the types: those may name the shared contract.
    const typeOnly = [...source.matchAll(/^\s*(?:import|export)\s+type\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    for (const specifier of typeOnly) expect(specifier, file).toMatch(/^(@observable-todo\/contract|k6(\/[a-z-/]+)?|\.{1,2}\/.+\.ts)$/);
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    for (const specifier of specifiers) {
      expect(specifier, file).toMatch(/^(k6(\/[a-z-/]+)?|\.{1,2}\/.+\.ts)$/);
    }
    // The tsconfig knows Node's globals (for the tests); k6 has none of them.
    expect(source, file).not.toMatch(/\b(process\.[a-z]|Buffer\.|require\(|__dirname|setImmediate\()/);
    if (!file.startsWith('k6/') && path.dirname(file) !== '.') {
      // lib/ runs under Node too: no k6 runtime imports there, types only.
      for (const m of source.matchAll(/^import\s+(?!type\b)[^'"]*from\s+'(k6[^']*)'/gm)) expect.fail(`${file} imports ${m[1]} at run time`);
    }
  });

  // k6 strips the types with esbuild and resolves each import by its literal
  // path; esbuild doing the same here proves every import of every entry
  // resolves and every file transforms. (Not a k6 run: k6's own API is external.)
  it.each(scripts.filter((f) => path.dirname(f) === '.'))('%s and everything it imports transform and resolve', async (entry) => {
    const result = await build({
      entryPoints: [path.join(loadtestDir, entry)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      external: ['k6', 'k6/*'],
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain('export {');
  });
});
