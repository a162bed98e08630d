// @ts-check
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');
const importX = require('eslint-plugin-import-x');

/** The layering of docs/architecture.md, enforced: flows are pure; domain knows no transport; channels know no database. */
const layering = {
  'import-x/no-restricted-paths': [
    'error',
    {
      zones: [
        { target: './flows', from: './src', except: ['./domain/ports.ts', './domain/calendar/china-time.ts', './domain/codes/id-number.ts', './domain/codes/phone.ts', './domain/codes/credit-code.ts', './domain/codes/reference.ts'], message: 'flows/ are pure: import only xstate, domain port types, China time and pure validators.' },
        { target: './src/domain', from: ['./src/http', './src/channels', './src/conversation', './src/app', './flows'], message: 'domain/ is plain functions over the database.' },
        { target: './src/channels', from: ['./src/db', './src/generated'], message: 'channels/ are adapters: no database access.' },
        { target: './src', from: './test', message: 'production code never imports tests.' },
      ],
    },
  ],
  'no-restricted-imports': [
    'error',
    { paths: [{ name: 'i18next', message: 'Use the i18n instance from deps (src/lib/i18n.ts).', allowTypeImports: true }], patterns: [] },
  ],
};

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'src/generated/', 'coverage/', 'scratch/', 'test/artifacts/', 'src/http/public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      ...layering,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  { files: ['src/lib/i18n.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // http goes through the domain: no Prisma model calls in routers and pages (the client is only handed on).
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='prisma'][property.name=/^[a-z]/]", message: 'src/http goes through src/domain: call a domain function, not Prisma.' },
        { selector: "MemberExpression[object.property.name='prisma'][property.name=/^[a-z]/]", message: 'src/http goes through src/domain: call a domain function, not Prisma.' },
      ],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
