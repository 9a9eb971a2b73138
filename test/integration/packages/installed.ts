/** What an `npm install` left in a node_modules folder: package names and the folder's size. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every package name under `nodeModules`, nested ones included, sorted and unique. */
export function installedPackages(nodeModules: string): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@');
      for (const name of scoped ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`) : [entry]) {
        names.add(name);
        walk(join(dir, name, 'node_modules'));
      }
    }
  };
  walk(nodeModules);
  return [...names].sort();
}

/** Disk size of a folder in MB (du's apparent size, as a user's `du -sh` would show). */
export function megabytes(dir: string): number {
  const bytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  return Math.round((bytes / 1e6) * 10) / 10;
}
