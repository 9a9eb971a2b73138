#!/usr/bin/env node
/**
 * Bundles the runtime for its image: `src/cli.ts` and every dependency (@debug-host/rules
 * from its TypeScript source) into one ESM file, `dist/image/debug-host.mjs`, with PGlite's
 * assets beside it. Plain JS so that the image's build stage needs only Node and esbuild
 * (no tsx, no tsc).
 *
 *   node runtime/bundle.mjs [outdir]      # default runtime/dist/image
 *
 * What cannot be bundled, and why:
 * - PGlite loads `pglite.wasm`, `pglite.data` and `initdb.wasm` with
 *   `new URL('./<file>', import.meta.url)`; bundled, import.meta.url is the bundle's, so the
 *   three files are copied beside it (its extensions, *.tar.gz, are never loaded here).
 * - `pg-native` is pg's optional native binding, required only when asked for: external.
 * - The embedded store runs in a worker thread (src/store/pglite-worker.ts), whose program
 *   is its own file: bundled separately as `pglite-worker.mjs`, with PGlite inside it.
 */
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, 'dist/image'));
const outfile = join(outdir, 'debug-host.mjs');
// version.ts reads this constant where no package.json travels with the code.
const { version } = JSON.parse(await readFile(join(here, 'package.json'), 'utf8'));

const require = createRequire(join(here, 'src/cli.ts'));
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
const PGLITE_ASSETS = ['pglite.wasm', 'pglite.data', 'initdb.wasm'];

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // The CommonJS dependencies (pg, ioredis, kafkajs, prom-client) call require() on Node
  // built-ins; an ESM bundle has no require of its own, so give it one.
  banner: {
    js: [
      "import { createRequire as __dhCreateRequire } from 'node:module';",
      'const require = __dhCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  external: ['pg-native'],
  // The workspace packages (@debug-host/rules) from their TypeScript source, as the tests
  // and tsc take them: the image's build stage builds no dist/. 'module' is esbuild's own
  // default, kept so the dependencies bundle as before.
  conditions: ['@debug-host/source', 'module'],
  define: { __DEBUG_HOST_RUNTIME_VERSION__: JSON.stringify(version) },
  // Never read a tsconfig: the image's build context carries none, and these are the only
  // options that change emitted code.
  tsconfigRaw: { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, verbatimModuleSyntax: false } },
  minify: true,
  // Error and class names stay readable in logs and stack traces.
  keepNames: true,
  legalComments: 'linked',
  sourcemap: 'external',
  metafile: true,
  logLevel: 'warning',
};
const workerFile = join(outdir, 'pglite-worker.mjs');
const [result] = await Promise.all([
  build({ ...common, entryPoints: [join(here, 'src/cli.ts')], outfile }),
  build({ ...common, entryPoints: [join(here, 'src/store/pglite-worker.ts')], outfile: workerFile }),
]);

await Promise.all(PGLITE_ASSETS.map((file) => copyFile(join(pgliteDist, file), join(outdir, file))));

const shipped = [outfile, join(outdir, 'debug-host.mjs.LEGAL.txt'), workerFile, ...PGLITE_ASSETS.map((f) => join(outdir, f))];
let total = 0;
for (const file of shipped) {
  const { size } = await stat(file);
  total += size;
  process.stdout.write(`${(size / 1e6).toFixed(2).padStart(7)} MB  ${relative(process.cwd(), file)}\n`);
}
process.stdout.write(`${(total / 1e6).toFixed(2).padStart(7)} MB  debug-host ${version} bundle (${Object.keys(result.metafile.inputs).length} modules; not shipped: the .map)\n`);
