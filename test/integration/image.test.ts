/**
 * The runtime image really runs: the image `scripts/image/build.sh` built, started with
 * podman on the host network, uid 10001 and a read-only root, driven through MCP with the
 * official SDK client. Against the PostgreSQL of `scripts/services` (a database of its own)
 * nothing in the container is writable at all (no tmpfs, the image's data volume ignored);
 * on the embedded default, /var/lib/debug-host (the image's volume) is the only writable
 * path. Fails,
 * never skips, when podman or the image is missing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { connect, createDatabase, eventually, FIXTURES, SECRET, type TestClient } from '../runtime/harness.js';
import { IMAGE, VERSION, podman, requireImage, startContainer, stopContainer, type Container } from './image/podman.js';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

beforeAll(async () => {
  const sizes = await requireImage();
  console.log(
    `${IMAGE}: ${mb(sizes.size)} uncompressed` +
      (sizes.compressed ? `, ${mb(sizes.compressed)} compressed, ${mb(sizes.added!)} added to its base and Node` : ''),
  );
});

/** Stops it as Kubernetes or `docker stop` would; it must exit 0 and leave nothing behind. */
async function expectCleanStop(container: Container): Promise<void> {
  const code = await stopContainer(container);
  expect(code, container.output()).toBe(0);
  expect(container.output()).toContain('shutting down');
  expect((await podman('container', 'exists', container.name)).code).toBe(1);
}

describe('the runtime image on PostgreSQL', () => {
  let database: { databaseUrl: string; dbRolePrefix: string };
  let container: Container;
  let dev: TestClient;

  beforeAll(async () => {
    // dh_img<hex>_: role prefixes are at most 16 characters.
    database = await createDatabase(`img${randomBytes(3).toString('hex')}`);
    const started = Date.now();
    container = await startContainer(
      {
        DATABASE_URL: database.databaseUrl,
        DEBUG_HOST_DB_ROLE_PREFIX: database.dbRolePrefix,
        DEBUG_HOST_JWT_SECRET: SECRET,
        DEBUG_HOST_REPLICA_ID: 'image-test',
        DEBUG_HOST_STOP_GRACE_MS: '2000',
      },
      ['--read-only-tmpfs=false', '--image-volume=ignore', '--volume', `${FIXTURES}:/fixtures:ro`],
    );
    console.log(`${IMAGE}: /health and /ready answered ${Date.now() - started} ms after podman run`);
    const token = await new TokenService({ secret: SECRET }).mint({ tenant: 'default', role: 'developer' });
    dev = await connect(`${container.base}/mcp`, token);
  });

  afterAll(async () => {
    await dev?.close().catch(() => undefined);
    if (container?.child.exitCode === null) await podman('rm', '--force', '--time', '0', container.name);
    if (!database) return;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(database.databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
      const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [database.dbRolePrefix]);
      for (const r of rows) await admin.query(`DROP ROLE "${r.rolname}"`);
    } finally {
      await admin.end();
    }
  });

  it('serves health as uid 10001 on a read-only root, and passes its own HEALTHCHECK', async () => {
    const health = (await (await fetch(`${container.base}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', version: VERSION, store: 'postgres', driver: 'process', replicaId: 'image-test' });
    const check = await podman('healthcheck', 'run', container.name);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const config = await podman('inspect', '--format', '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}', container.name);
    expect(config.stdout.trim()).toBe('10001:10001 true');
  });

  it('starts, watches, reads and stops a project through MCP', async () => {
    const tools = (await dev.client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['host.register', 'host.start', 'host.status', 'host.logs', 'host.stop']));

    // The command runs inside the container, under its /bin/sh, with the image's Node.
    const { projectId } = await dev.ok('host.register', { name: 'web', workspace: '/fixtures', command: 'node web.mjs', techStack: 'node' });
    const started = await dev.ok('host.start', { projectId });
    const port = started.project.port as number;
    const ready = await eventually(async () => {
      const { project } = await dev.ok('host.status', { projectId });
      return project.ready ? project : undefined;
    }, 20_000, 'the project to be ready');
    expect(ready).toMatchObject({ state: 'running', port });
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('ok');
    expect(await dev.ok('host.checkPort', { port })).toMatchObject({ inUse: true, leasedBy: { projectId, name: 'web' } });

    const logs = await eventually(async () => {
      const data = await dev.ok('host.logs', { projectId, limit: 50 });
      return data.lines.some((l: { message: string }) => l.message === 'GET /hello') ? data : undefined;
    }, 10_000, 'the request log line');
    expect(logs.lines[0].message).toBe(`booting web on port ${port}`);
    const errors = await dev.ok('host.searchLogs', { projectId, query: 'level:error' });
    expect(JSON.stringify(errors)).toContain('optional cache unavailable');

    const stopped = await dev.ok('host.stop', { projectId });
    expect(stopped.project).toMatchObject({ state: 'stopped', stopReason: 'requested' });
    expect((await dev.ok('host.checkPort', { port })).inUse).toBe(false);
    const tail = await dev.ok('host.logs', { projectId, limit: 5 });
    expect(tail.lines.map((l: { message: string }) => l.message)).toContain('received SIGTERM, shutting down');
  });

  it('stops on SIGTERM with exit code 0 and removes itself', async () => {
    await dev.close();
    await expectCleanStop(container);
  });
});

describe('the runtime image on its embedded default (PGlite)', () => {
  it("finds PGlite beside the bundle, keeps its data in the image's data volume, prints a working token", async () => {
    const volumes = (await podman('volume', 'ls', '--quiet')).stdout;
    const container = await startContainer({});
    try {
      const health = (await (await fetch(`${container.base}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', version: VERSION, store: 'pglite' });
      const token = /Developer token for 'default'[^\n]*\n(\S+)/.exec(container.output())?.[1];
      expect(token, container.output()).toBeDefined();
      const dev = await connect(`${container.base}/mcp`, token!);
      expect(await dev.ok('host.list')).toMatchObject({ count: 0 });
      await dev.close();
    } finally {
      await expectCleanStop(container);
    }
    // --rm takes the anonymous data volume with it.
    expect((await podman('volume', 'ls', '--quiet')).stdout).toBe(volumes);
  });
});
