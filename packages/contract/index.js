// The title rule the API enforces, the UI checks before a round trip, and the
// database's CHECK constraint backs (char_length(btrim(title)) BETWEEN 1 AND 200).
// Plain JavaScript so both the API's runtime (node dist/…) and the UI's bundler
// import it as it is; the types are in index.d.ts.

export const TITLE_MIN_LENGTH = 1;
export const TITLE_MAX_LENGTH = 200;

/** Characters as PostgreSQL's char_length counts them: code points, not UTF-16 units (an emoji is 1, not 2). */
export function titleLength(title) {
  return [...title].length;
}

/** What is stored: the title without surrounding whitespace. */
export function normalizeTitle(raw) {
  return raw.trim();
}

/** The API's message for what is wrong with a normalised title, or undefined when it is valid. */
export function titleProblem(title) {
  if (titleLength(title) < TITLE_MIN_LENGTH) return 'must not be empty';
  if (titleLength(title) > TITLE_MAX_LENGTH) return `must be at most ${TITLE_MAX_LENGTH} characters`;
  if (title.includes('\u0000')) return 'must not contain NUL characters';
  return undefined;
}
