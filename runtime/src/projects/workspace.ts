import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { invalid } from '../domain/errors.js';

/** The workspace must be an existing absolute directory. Returns its real path. */
export async function checkWorkspace(workspace: string): Promise<string> {
  if (!isAbsolute(workspace)) throw invalid('workspace', `'${workspace}' is not an absolute path`, 'Send the absolute path of the project directory.');
  try {
    const real = await realpath(workspace);
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    return real;
  } catch {
    throw invalid('workspace', `'${workspace}' is not an existing directory`, 'Create the directory or send the path of an existing one.');
  }
}

/**
 * The absolute working directory, which must stay inside the workspace, also after
 * following symlinks (a `cwd` of `../..` or a link out of the tree is refused).
 */
export async function resolveCwd(workspace: string, cwd: string): Promise<string> {
  const target = resolve(workspace, cwd);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw invalid('cwd', `'${cwd}' does not exist inside the workspace`, 'Send a directory relative to the workspace, such as `.` or `packages/web`.');
  }
  const inside = (path: string): boolean => {
    const rel = relative(workspace, path);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  };
  if (!inside(target) || !inside(real)) {
    throw invalid('cwd', `'${cwd}' leads outside the workspace ${workspace}`, 'Send a directory inside the workspace.');
  }
  return real;
}
