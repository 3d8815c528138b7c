import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

/**
 * The image references of deploy/compose/.env, the one place each image's
 * version is written (Compose reads the same file for interpolation). Tests
 * that run an image on its own take it from here, never from a literal.
 *
 * Parsed with Node's own util.parseEnv (Node >= 20.12, as package.json's
 * engines require): the file holds plain `NAME_IMAGE=ref` lines and comments,
 * which it reads as Compose does, and no dotenv package is needed for that.
 */
export const IMAGES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/compose/.env');

let cached: Readonly<Record<string, string>> | undefined;

/** Every NAME_IMAGE=ref of deploy/compose/.env. */
export function images(): Readonly<Record<string, string>> {
  cached ??= Object.freeze({ ...parseEnv(readFileSync(IMAGES_FILE, 'utf8')) } as Record<string, string>);
  return cached;
}

/** One image reference, e.g. image('POSTGRES_IMAGE'); throws on a name the file lacks. */
export function image(name: string): string {
  const ref = images()[name];
  if (ref === undefined || ref === '') {
    throw new Error(`${name} is not set in deploy/compose/.env (it has ${Object.keys(images()).join(', ')})`);
  }
  return ref;
}

/**
 * The variables of deploy/compose/.env as an environment, for Compose runs
 * whose files lie outside deploy/compose/ (an override given with -f reads the
 * project's environment, not that directory's .env).
 */
export function imageEnv(): Record<string, string> {
  return { ...images() };
}
