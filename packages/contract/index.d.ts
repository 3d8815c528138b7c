export declare const TITLE_MIN_LENGTH: 1;
export declare const TITLE_MAX_LENGTH: 200;
/** Characters as PostgreSQL's char_length counts them: code points, not UTF-16 units. */
export declare function titleLength(title: string): number;
/** What is stored: the title without surrounding whitespace. */
export declare function normalizeTitle(raw: string): string;
/** The API's message for what is wrong with a normalised title, or undefined when it is valid. */
export declare function titleProblem(title: string): string | undefined;

/** A todo as the API sends it in JSON (dates as ISO 8601 strings). */
export interface Todo {
  id: number;
  title: string;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
}

/** GET /api/todos: one page and the total across pages. */
export interface TodoPage {
  items: Todo[];
  total: number;
}
