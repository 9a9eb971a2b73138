import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set by the image's bundler (esbuild `define`), where no package.json travels with the code. */
declare const __DEBUG_HOST_RUNTIME_VERSION__: string | undefined;

/** The runtime package's version: the bundler's constant, or found by walking up from this file (source and dist). */
export function packageVersion(): string {
  if (typeof __DEBUG_HOST_RUNTIME_VERSION__ === 'string') return __DEBUG_HOST_RUNTIME_VERSION__;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@debug-host/runtime' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
