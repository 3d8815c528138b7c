import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * No relative import leaves the top-level folder it is written in (services, packages, monitoring,
 * logging, loadtest, deploy, tests, ...): what one folder shares with another is a workspace package
 * (`@observable-todo/test-support/<module>`, `@observable-todo/api/testing`, `@observable-todo/loadtest/<module>`).
 * A file d folders deep reaches the repository root with d `../`; one block per depth says so.
 */
const crossFolderImports = Array.from({ length: 12 }, (_, index) => {
  const depth = index + 1;
  return {
    files: [`${'*/'.repeat(depth)}*.{ts,mts,js,mjs}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./){${depth}}`,
              message:
                'This relative import leaves its top-level folder. Import what folders share through a workspace package ' +
                '(@observable-todo/test-support/<module>, @observable-todo/api/testing, @observable-todo/loadtest/<module>).',
            },
          ],
        },
      ],
    },
  };
});

/**
 * The API's layers (services/api/src): entry-points (HTTP, the process, the composition root) use the
 * domain and data-access; data-access implements the domain's ports (TodoStore); the domain knows neither,
 * nor Express or Sequelize. config and observability are used by every layer and use no layer.
 * Tests and the API's test-support wire layers together on purpose and are not checked.
 */
const API = 'services/api/src';
const layers = (...types) => types.map((type) => ({ to: { element: { type } } }));
const apiLayers = {
  files: [`${API}/**/*.ts`],
  ignores: [`${API}/**/*.test.ts`, `${API}/test-support/**`],
  plugins: { boundaries },
  settings: {
    'import/resolver': { typescript: { project: 'services/api/tsconfig.json' } },
    'boundaries/elements': [
      { type: 'entry-points', pattern: `${API}/entry-points` },
      { type: 'domain', pattern: `${API}/domain` },
      { type: 'data-access', pattern: `${API}/data-access` },
      { type: 'config', pattern: `${API}/config` },
      { type: 'observability', pattern: `${API}/observability` },
      { type: 'test-support', pattern: `${API}/test-support` },
    ],
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        checkAllOrigins: true,
        policies: [
          {
            from: { element: { type: 'entry-points' } },
            allow: layers('entry-points', 'domain', 'data-access', 'config', 'observability'),
          },
          { from: { element: { type: 'data-access' } }, allow: layers('data-access', 'domain', 'config', 'observability') },
          { from: { element: { type: 'domain' } }, allow: layers('domain', 'config', 'observability') },
          { from: { element: { type: 'observability' } }, allow: layers('observability', 'config') },
          { from: { element: { type: 'config' } }, allow: layers('config') },
          // Packages and Node's own modules: any layer, except what the next policy takes from the domain.
          { allow: { to: { module: { origin: ['external', 'core'] } } } },
          {
            from: { element: { type: 'domain' } },
            disallow: { to: { module: { origin: 'external', source: ['express', 'express-*', 'sequelize', 'pg', 'umzug'] } } },
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.config.ts'] } },
    },
    rules: {
      // A floating promise is a lost error and, at shutdown, a lost request.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The Prettier printWidth. Prettier does not break strings, template literals, regular expressions or
    // comments, so long ones are split by hand (string concatenation, an array joined, a named const).
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': ['error', { code: 140, ignoreUrls: true }],
    },
  },
  ...crossFolderImports,
  apiLayers,
  {
    files: ['**/*.test.ts', 'tests/**/*.ts', 'tests/**/*.mjs', 'services/*/src/test-support/**/*.ts', 'packages/test-support/**/*.ts'],
    rules: {
      'no-console': 'off',
      // Asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
