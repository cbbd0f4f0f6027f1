// ESLint (flat config) over the JS host, the sandbox, the demo pages, the scripts and the CLI: the recommended
// rules, with the globals each runtime really has. `npm test` runs it (scripts/test.sh).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/", "pkg/", "target/", "node_modules/", "fuzz/", "tests/", "bench/"] },
  js.configs.recommended,
  {
    files: ["js/**/*.js", "sandbox/**/*.mjs", "scripts/**/*.mjs", "bin/**/*.mjs", "bin/**/*.js", "www/**/*.js", "www/**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // The host runs on Node and in browsers and workers; the sandbox, scripts and CLI on Node.
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // `catch {}` and `_`-prefixed arguments say "deliberately unused".
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
];
