/**
 * The runtime image as `scripts/image/build.sh` leaves it, run with podman the way these
 * machines allow (../shared/design/SERVICES.md): runc, no default ulimits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../../..');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'runtime/package.json'), 'utf8')) as { version: string }).version;
export const IMAGE = `localhost/debug-host/runtime:${VERSION}`;
/** What build.sh measured for this image (sizes), beside its OCI archive. */
export const FACTS = join(ROOT, `dist/image/debug-host-runtime-${VERSION}.json`);

/** podman's environment: runc needs no raised ulimits (the sandbox lacks CAP_SYS_RESOURCE). */
function podmanEnv(): NodeJS.ProcessEnv {
  if (process.env.CONTAINERS_CONF) return process.env;
  const conf = join(tmpdir(), 'debug-host-containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n');
  return { ...process.env, CONTAINERS_CONF: conf };
}

export interface PodmanResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `podman --runtime runc ARGS`; never throws on a non-zero exit (the code is the answer). */
export async function podman(...args: string[]): Promise<PodmanResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('podman', ['--runtime', 'runc', ...args], { env: podmanEnv(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('podman is not installed: run scripts/image/build.sh (it installs podman, buildah, runc and mmdebstrap from Debian and builds the image).');
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** Fails loudly, with the command that fixes it, when podman or the image is missing. */
export async function requireImage(): Promise<{ size: number; compressed?: number; added?: number }> {
  const exists = await podman('image', 'exists', IMAGE);
  if (exists.code !== 0) throw new Error(`The image ${IMAGE} is not in podman's storage: build it with scripts/image/build.sh (.ci/run does before the integration tests).`);
  const [id, size] = (await podman('image', 'inspect', '--format', '{{.Id}} {{.Size}}', IMAGE)).stdout.trim().split(' ');
  if (!existsSync(FACTS)) return { size: Number(size) };
  const facts = JSON.parse(readFileSync(FACTS, 'utf8')) as { id: string; bytes: { compressed: number; added: number } };
  // Measured for another build of the tag: say only what is known of this one.
  if (facts.id !== id) return { size: Number(size) };
  return { size: Number(size), compressed: facts.bytes.compressed, added: facts.bytes.added };
}

export interface Container {
  readonly name: string;
  /** http://127.0.0.1:PORT: the container listens on the host's loopback (host network). */
  readonly base: string;
  readonly child: ChildProcess;
  /** Everything the container and podman printed so far. */
  output(): string;
  /** Resolves with the exit code of `podman run` (the container's, as it runs attached). */
  readonly exited: Promise<number>;
}

/**
 * `podman run --rm` attached (so the child's exit code is the container's) on the host
 * network, uid 10001 and a read-only root, listening on a free loopback port; resolves once
 * /health and /ready answer 200. An early exit ends the wait at once, with the output.
 */
export async function startContainer(env: Record<string, string>, args: readonly string[] = []): Promise<Container> {
  const name = `debug-host-image-test-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // DEBUG_HOST_HOST: with the host network, listen on loopback, not on every interface.
  const environment = { DEBUG_HOST_HOST: '127.0.0.1', DEBUG_HOST_PORT: String(port), ...env };
  const child = spawn(
    'podman',
    ['--runtime', 'runc', 'run', '--rm', '--name', name, '--network', 'host', '--read-only', '--user', '10001:10001',
      ...Object.entries(environment).flatMap(([k, v]) => ['--env', `${k}=${v}`]), ...args, IMAGE],
    { env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)));
  });
  const container: Container = { name, base, child, output: () => out, exited };
  let code: number | undefined;
  void exited.then((c) => (code = c), () => (code = -1));
  const deadline = Date.now() + 90_000;
  while ((await status(`${base}/health`)) !== 200 || (await status(`${base}/ready`)) !== 200) {
    if (code !== undefined || Date.now() > deadline) {
      await stopContainer(container);
      throw new Error(`${IMAGE} ${code === undefined ? 'was not ready within 90 s' : `exited with ${code} before it was ready`}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return container;
}

/** `podman stop` (SIGTERM, then SIGKILL after 20 s); resolves with the container's exit code. */
export async function stopContainer(container: Container): Promise<number> {
  if (container.child.exitCode === null && container.child.signalCode === null) await podman('stop', '--time', '20', container.name);
  return container.exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}
