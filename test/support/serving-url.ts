/** What a `debug-host serve` child prints once it listens: "serving MCP at <url>". */
import type { ChildProcess } from 'node:child_process';

/**
 * The MCP URL the child prints on stdout; rejects with `failure(code, stdout)` when it exits
 * before that. Its own stdout listener, so callers may keep reading the output too.
 */
export function servingUrl(child: ChildProcess, failure: (code: number | null, stdout: string) => Error): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /serving MCP at (\S+)/.exec(out);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) => reject(failure(code, out)));
  });
}
