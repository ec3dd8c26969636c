// ESLint for the whole repository: the package and its tests type-aware through
// tsconfig.test.json, the JupyterLab extension through its own tsconfig, plain scripts untyped.
// The rules aim at defects (promises left floating, `any` leaking out, conditions that cannot be
// false); formatting is Prettier's business and stays out of here.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** The globals of the Node that runs the scripts and benchmarks, read from the running Node itself. */
const nodeGlobals = Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, "readonly"]));

/** Rules of the strict, type-aware set tuned to this code base (docs/ARCHITECTURE.md, "Habits"). */
const typedRules = {
  // Off: `x!` states a fact the types cannot carry (a map entry just set, a group of a regular
  // expression that matched, a bounds-checked index); where it adds nothing,
  // no-unnecessary-type-assertion removes it.
  "@typescript-eslint/no-non-null-assertion": "off",
  // Numbers in template literals are the common case (messages, shell arguments).
  "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
  // `_name` marks a parameter or binding that a signature requires but the body does not use.
  "@typescript-eslint/no-unused-vars": [
    "error",
    { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
  ],
  // Short-hand callbacks (`() => console.log(...)`) and `return resolve(...)` in a function that
  // returns nothing read well.
  "@typescript-eslint/no-confusing-void-expression": [
    "error",
    { ignoreArrowShorthand: true, ignoreVoidOperator: true, ignoreVoidReturningFunctions: true },
  ],
  // Off: noUncheckedIndexedAccess is off, so the types claim that every array element, argv
  // entry and regular-expression group exists; this rule would then ask to delete the guards that
  // check exactly that, and the defensive checks on data from JSON, the wire or the user.
  "@typescript-eslint/no-unnecessary-condition": "off",
  // Off: an async method that does not await still turns a throw into a rejection, which is what
  // implementations of promise-returning interfaces (the job backends, the comm handlers) want.
  "@typescript-eslint/require-await": "off",
  // Off: records keyed by job id or comm id are dictionaries; deleting a key is their API.
  "@typescript-eslint/no-dynamic-delete": "off",
  // Off: callbacks that may finish synchronously or not are typed `void | Promise<void>`.
  "@typescript-eslint/no-invalid-void-type": "off",
  // A number joined to a string reads as intended; an object, `unknown` or a bigint mix is flagged.
  "@typescript-eslint/restrict-plus-operands": ["error", { allowNumberAndString: true }],
};

export default defineConfig(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      ".venv/**",
      ".setup/**",
      "test-artifacts/**",
      "labextension/node_modules/**",
      "labextension/lib/**",
      "labextension/hpcfit_labextension/**",
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  // The package, its tests, benchmarks' TypeScript and the labextension's shared types: one
  // program, tsconfig.test.json.
  {
    files: ["**/*.ts"],
    ignores: ["labextension/src/**", "examples/**", "bench/**"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: typedRules,
  },
  // Tests read untyped JSON (messages through jupyter_client, pages through Playwright) and check
  // its shape with `expect`, which is their job; typing every probe would only restate the
  // assertions. The package itself keeps the unsafe-any rules.
  {
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  // The engine calls the user's model per data point with `f.apply(null, args)` on one reused
  // argument array, in the hot loops whose speed bench/ measures; the spread form is not faster.
  {
    files: ["fit/**/*.ts"],
    rules: { "prefer-spread": "off" },
  },
  // The JupyterLab extension compiles under its own settings (DOM, bundler resolution).
  {
    files: ["labextension/src/**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { project: "./labextension/tsconfig.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: typedRules,
  },
  // Model files (examples, benchmark models) import the built package as "hpcfit" and are loaded by
  // `hpcfit fit` or the workers; no program covers them, so they get the syntactic rules only.
  {
    files: ["examples/**/*.ts", "bench/**/*.ts"],
    extends: [tseslint.configs.strict],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  // Plain Node scripts: setup, benchmarks, the extension's build, the logo maker.
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { sourceType: "module", globals: nodeGlobals },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
);
