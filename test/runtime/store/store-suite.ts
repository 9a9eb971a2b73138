/**
 * The store's behaviour, written once and run on every engine: PGlite in `npm test`
 * (store.pglite.test.ts) and PostgreSQL in `npm run test:integration` (store.postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import { DEFAULT_PORT_BASE, DEFAULT_QUOTAS } from '../../../runtime/src/store/tenants.js';
import { PLATFORM_MIGRATIONS } from '../../../runtime/src/store/migrations.js';
import { admin, failure, platformAdmin, spec, tenantId } from './fixtures.js';
import { fencingSuite } from './store-suite-fencing.js';
import { logSuite } from './store-suite-logs.js';
import { outboxRetentionSuite } from './store-suite-outbox.js';

export interface SuiteTarget {
  /** A migrated store on a database of its own. */
  open(): Promise<SqlStore>;
}

export function storeSuite(engine: string, target: SuiteTarget): void {
  describe(`store on ${engine}`, () => {
    let store: SqlStore;
    beforeAll(async () => {
      store = await target.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** Counts of the tenant's audit rows and outbox events, to prove what a call wrote. */
    async function journalCounts(tenant: string): Promise<{ audit: number; outbox: number }> {
      const a = await store.client.query<{ n: number }>('SELECT count(*)::int AS n FROM platform.audit WHERE tenant_id = $1', [tenant]);
      const o = await store.client.query<{ n: number }>('SELECT count(*)::int AS n FROM platform.outbox WHERE tenant_id = $1', [tenant]);
      return { audit: a.rows[0]?.n ?? -1, outbox: o.rows[0]?.n ?? -1 };
    }

    async function newTenant(quotas: Parameters<SqlStore['createTenant']>[0]['quotas'] = {}) {
      const id = tenantId();
      const record = await store.createTenant({ id, quotas }, platformAdmin);
      return { id, record, t: store.tenant(id) };
    }

    describe('migrations', () => {
      it('are idempotent and recorded once per version', async () => {
        await store.migrate();
        await store.migrate();
        const { rows } = await store.client.query<{ version: number }>('SELECT version FROM platform.schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(PLATFORM_MIGRATIONS.map((m) => m.version));
        await store.ping();
      });
    });

    describe('tenants', () => {
      it('take the seed defaults and a free port range of quotas.ports ports', async () => {
        const a = await newTenant();
        const b = await newTenant();
        expect(a.record.quotas).toMatchObject({ containers: 50, ports: 100, memoryMiB: 10240, cpuMillis: 10000, storageMiB: 102400 });
        expect(DEFAULT_QUOTAS).toEqual({ containers: 50, ports: 100, memoryMiB: 10240, cpuMillis: 10000, storageMiB: 102400 });
        expect(DEFAULT_PORT_BASE).toEqual({ from: 20000, to: 59999 });
        for (const r of [a.record, b.record]) {
          expect(r.quotas.portRange.to - r.quotas.portRange.from + 1).toBe(100);
          expect(r.quotas.portRange.from).toBeGreaterThanOrEqual(20000);
          expect(r.quotas.portRange.to).toBeLessThanOrEqual(59999);
          expect(r.status).toBe('active');
        }
        const [lo, hi] = [a.record.quotas.portRange, b.record.quotas.portRange].sort((x, y) => x.from - y.from);
        expect(lo!.to).toBeLessThan(hi!.from);
        expect(await store.getTenant(a.id)).toEqual(a.record);
        expect((await store.listTenants()).map((t) => t.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      });

      it('refuse an explicit port range overlapping another tenant, naming it', async () => {
        const a = await newTenant();
        const { from } = a.record.quotas.portRange;
        const err = await failure(store.createTenant({ id: tenantId(), quotas: { ports: 10, portRange: { from: from + 5, to: from + 14 } } }, platformAdmin));
        expect(err.code).toBe('conflict');
        expect(err.field).toBe('quotas.portRange');
        expect(err.message).toContain(a.id);
      });

      it('refuse ids that are not DNS labels, naming the field and the rule', async () => {
        for (const bad of ['A', 'ab', '1abc', 'abc-', 'a_b_c', 'x'.repeat(41), "a'; drop schema platform; --"]) {
          const err = await failure(store.createTenant({ id: bad }, platformAdmin));
          expect(err.code).toBe('invalid_input');
          expect(err.field).toBe('tenant');
          expect(err.message).toContain('[a-z][a-z0-9-]{1,38}[a-z0-9]');
        }
        const ok = tenantId('a-b');
        expect((await store.createTenant({ id: ok }, platformAdmin)).id).toBe(ok);
        expect((await failure(store.createTenant({ id: ok }, platformAdmin))).code).toBe('conflict');
      });

      it('update quotas with checks, audit and an event', async () => {
        const { id, record } = await newTenant({ containers: 3, ports: 10 });
        const before = await journalCounts(id);
        const updated = await store.updateTenantQuotas(id, { containers: 7 }, platformAdmin);
        expect(updated.quotas).toEqual({ ...record.quotas, containers: 7 });
        expect(await journalCounts(id)).toEqual({ audit: before.audit + 1, outbox: before.outbox + 1 });
        const tooMany = await failure(store.updateTenantQuotas(id, { ports: 11 }, platformAdmin));
        expect(tooMany).toMatchObject({ code: 'invalid_input', field: 'quotas.portRange' });
        expect((await failure(store.updateTenantQuotas(id, { containers: -1 }, platformAdmin))).field).toBe('quotas.containers');
        expect(await journalCounts(id)).toEqual({ audit: before.audit + 1, outbox: before.outbox + 1 });
        expect((await failure(store.updateTenantQuotas(tenantId(), { containers: 1 }, platformAdmin))).code).toBe('not_found');
        // An explicitly undefined field keeps its value.
        const kept = await store.updateTenantQuotas(id, { containers: undefined, cpuMillis: 500 }, platformAdmin);
        expect(kept.quotas).toMatchObject({ containers: 7, cpuMillis: 500 });
        const nan = await failure(store.createTenant({ id: tenantId(), quotas: { ports: Number.NaN } }, platformAdmin));
        expect(nan).toMatchObject({ code: 'invalid_input', field: 'quotas.ports' });
      });

      it('delete drops schema, role and data but keeps the audit trail', async () => {
        const { id, record, t } = await newTenant();
        const p = await t.registerProject(spec('web'), admin(id));
        await t.claimStart(p.id, admin(id), 'replica-1');
        await store.deleteTenant(id, platformAdmin);
        expect(await store.getTenant(id)).toBeUndefined();
        expect((await failure(t.getProject(p.id))).code).toBe('not_found');
        expect((await failure(t.listProjects())).code).toBe('not_found');
        const schemas = await store.client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [`tenant_${id.replace(/-/g, '_')}`]);
        expect(schemas.rows).toHaveLength(0);
        const roles = await store.client.query('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [`%tenant_${id.replace(/-/g, '_')}`]);
        expect(roles.rows).toHaveLength(0);
        const audit = await store.client.query<{ action: string }>('SELECT action FROM platform.audit WHERE tenant_id = $1 ORDER BY id', [id]);
        expect(audit.rows.map((r) => r.action)).toEqual(['tenant.create', 'project.register', 'project.start', 'tenant.delete']);
        // Its port range is free again.
        const again = await store.createTenant({ id: tenantId(), quotas: { ports: 100, portRange: record.quotas.portRange } }, platformAdmin);
        expect(again.quotas.portRange).toEqual(record.quotas.portRange);
        expect((await failure(store.deleteTenant(id, platformAdmin))).code).toBe('not_found');
      });
    });

    describe('projects and starts', () => {
      it('register, get and list with filters; names are unique per tenant', async () => {
        const { id, t } = await newTenant();
        const web = await t.registerProject(spec('web-app'), admin(id));
        await t.registerProject(spec('api_v2', { techStack: 'Python' }), admin(id));
        expect(web).toMatchObject({ tenantId: id, name: 'web-app', state: 'registered', desired: 'stopped', ready: false, restarts: 0 });
        expect(web.port).toBeUndefined();
        expect(await t.getProject(web.id)).toEqual(web);
        expect((await t.listProjects()).map((p) => p.name)).toEqual(['api_v2', 'web-app']);
        expect((await t.listProjects({ nameContains: 'I_V' })).map((p) => p.name)).toEqual(['api_v2']);
        expect(await t.listProjects({ nameContains: '%' })).toEqual([]);
        expect((await t.listProjects({ techStack: 'python' })).map((p) => p.name)).toEqual(['api_v2']);
        expect((await t.listProjects({ states: ['running'] }))).toEqual([]);
        const before = await journalCounts(id);
        const dup = await failure(t.registerProject(spec('web-app'), admin(id)));
        expect(dup).toMatchObject({ code: 'conflict', field: 'name' });
        // The failed change wrote neither an audit row nor an event.
        expect(await journalCounts(id)).toEqual(before);
      });

      it('writes the audit row and the outbox event with the change', async () => {
        const { id, t } = await newTenant();
        const before = await journalCounts(id);
        const p = await t.registerProject(spec('svc'), admin(id));
        expect(await journalCounts(id)).toEqual({ audit: before.audit + 1, outbox: before.outbox + 1 });
        const [last] = await t.listAudit(1);
        expect(last).toMatchObject({ tenantId: id, actor: 'alice@example.com', action: 'project.register', target: p.id });
        const events = (await store.pendingEvents(10_000)).filter((e) => e.tenantId === id);
        expect(events.map((e) => e.type)).toEqual(['tenant.created', 'project.registered']);
        expect(events[1]).toMatchObject({ key: p.id, payload: { projectId: p.id, name: 'svc' } });
      });

      it('rolls the change back when its audit row or event cannot be written', async () => {
        const { id, t } = await newTenant();
        const fn = `platform.test_refuse_${id.replace(/-/g, '_')}`;
        await store.client.query(
          `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.payload->>'name' = 'boom' THEN RAISE EXCEPTION 'outbox refused'; END IF; RETURN NEW; END $$`,
        );
        await store.client.query(`CREATE TRIGGER refuse_boom BEFORE INSERT ON platform.outbox FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
        try {
          const before = await journalCounts(id);
          await expect(t.registerProject(spec('boom'), admin(id))).rejects.toThrow(/outbox refused/);
          expect(await t.listProjects()).toEqual([]);
          expect(await journalCounts(id)).toEqual(before);
        } finally {
          await store.client.query('DROP TRIGGER refuse_boom ON platform.outbox');
          await store.client.query(`DROP FUNCTION ${fn}()`);
        }
      });

      it('claimStart leases the preferred port when free in range, else the lowest free one; release frees it', async () => {
        const { id, record, t } = await newTenant({ containers: 5, ports: 10 });
        const { from, to } = record.quotas.portRange;
        const a = await t.registerProject(spec('a', { preferredPort: from + 3 }), admin(id));
        const b = await t.registerProject(spec('b', { preferredPort: from + 3 }), admin(id));
        const c = await t.registerProject(spec('c', { preferredPort: 80 }), admin(id));
        const ca = await t.claimStart(a.id, admin(id), 'replica-1');
        expect(ca.port).toBe(from + 3);
        expect(ca.project).toMatchObject({ state: 'starting', desired: 'running', port: from + 3, owner: 'replica-1', runId: ca.runId });
        expect((await t.claimStart(b.id, admin(id), 'replica-1')).port).toBe(from);
        expect((await t.claimStart(c.id, admin(id), 'replica-1')).port).toBe(from + 1);
        expect(to).toBe(from + 9);
        const again = await failure(t.claimStart(a.id, admin(id), 'replica-1'));
        expect(again.code).toBe('conflict');
        expect(await t.usage()).toMatchObject({ containers: { used: 3, limit: 5 }, ports: { used: 3, limit: 10 }, projects: 3 });

        const stopped = await t.release(a.id, { state: 'stopped', reason: 'requested', exitCode: 0 }, admin(id));
        expect(stopped).toMatchObject({ state: 'stopped', desired: 'stopped', stopReason: 'requested', exitCode: 0, ready: false });
        expect(stopped.port).toBeUndefined();
        const crashed = await t.release(b.id, { state: 'crashed', reason: 'exit 1', exitCode: 1 });
        expect(crashed).toMatchObject({ state: 'crashed', desired: 'running', exitCode: 1 });
        expect(await t.usage()).toMatchObject({ containers: { used: 1 }, ports: { used: 1 } });
        // b's preferred port is free again.
        expect((await t.claimStart(b.id, admin(id), 'replica-2')).port).toBe(from + 3);
        const audit = (await t.listAudit(100)).map((r) => r.action);
        expect(audit.filter((x) => x === 'project.start')).toHaveLength(4);
        expect(audit.filter((x) => x === 'project.stop')).toHaveLength(1);
      });

      it('refuses a start over the containers quota, naming limit and use, and writes nothing', async () => {
        const { id, t } = await newTenant({ containers: 2, ports: 10 });
        const ps = await Promise.all(['a', 'b', 'c'].map((n) => t.registerProject(spec(n), admin(id))));
        await t.claimStart(ps[0]!.id, admin(id), 'r');
        await t.claimStart(ps[1]!.id, admin(id), 'r');
        const before = await journalCounts(id);
        const err = await failure(t.claimStart(ps[2]!.id, admin(id), 'r'));
        expect(err.code).toBe('quota_exceeded');
        expect(err.facts).toEqual({ quota: 'containers', limit: 2, used: 2 });
        expect(err.message).toMatch(/containers quota: 2 of 2/);
        expect(err.fix).toMatch(/host\.stop/);
        expect(await journalCounts(id)).toEqual(before);
        expect((await t.getProject(ps[2]!.id))?.state).toBe('registered');
      });

      it('refuses a start over the ports quota', async () => {
        const { id, t } = await newTenant({ containers: 5, ports: 1 });
        const a = await t.registerProject(spec('a'), admin(id));
        const b = await t.registerProject(spec('b'), admin(id));
        await t.claimStart(a.id, admin(id), 'r');
        const err = await failure(t.claimStart(b.id, admin(id), 'r'));
        expect(err).toMatchObject({ code: 'quota_exceeded', facts: { quota: 'ports', limit: 1, used: 1 } });
      });

      it('never overshoots the quota under 20 concurrent claims against a quota of 5', async () => {
        const { id, t } = await newTenant({ containers: 5, ports: 10 });
        const ps = await Promise.all(Array.from({ length: 20 }, (_, i) => t.registerProject(spec(`p${i}`), admin(id))));
        const results = await Promise.allSettled(ps.map((p) => t.claimStart(p.id, admin(id), 'r')));
        const ok = results.filter((r) => r.status === 'fulfilled');
        const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code?: string });
        expect(ok).toHaveLength(5);
        expect(refused.map((r) => r.code)).toEqual(Array(15).fill('quota_exceeded'));
        const ports = ok.map((r) => (r as PromiseFulfilledResult<{ port: number }>).value.port);
        expect(new Set(ports).size).toBe(5);
        expect(await t.usage()).toMatchObject({ containers: { used: 5, limit: 5 }, ports: { used: 5 } });
      });

      it('claims that arrive together go in arrival order, each answered for itself, with its own audit row and event', async () => {
        const { id, t } = await newTenant({ containers: 4, ports: 10 });
        const ps = await Promise.all(Array.from({ length: 6 }, (_, i) => t.registerProject(spec(`g${i}`), admin(id))));
        const before = await journalCounts(id);
        // All sent at once: the first goes alone, the rest wait for it and go together (one project
        // twice, an unknown one, then more than the quota).
        const sent = [ps[5]!.id, ps[0]!.id, ps[0]!.id, '00000000-0000-4000-8000-000000000000', ps[1]!.id, ps[2]!.id, ps[3]!.id, ps[4]!.id];
        const results = await Promise.allSettled(sent.map((projectId, i) => t.claimStart(projectId, admin(id), `replica-${i}`)));
        const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code));
        expect(codes).toEqual(['ok', 'ok', 'conflict', 'not_found', 'ok', 'ok', 'quota_exceeded', 'quota_exceeded']);
        const granted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ ...r.value, owner: `replica-${i}` }] : []));
        for (const claim of granted) {
          const stored = await t.getProject(claim.project.id);
          expect(stored).toMatchObject({ state: 'starting', port: claim.port, runId: claim.runId, owner: claim.owner });
        }
        expect(new Set(granted.map((g) => g.port)).size).toBe(4);
        expect(await journalCounts(id)).toEqual({ audit: before.audit + 4, outbox: before.outbox + 4 });
        const events = await store.client.query<{ key: string; payload: { runId: string; owner: string } }>(
          `SELECT key, payload FROM platform.outbox WHERE tenant_id = $1 AND type = 'project.starting' ORDER BY id`,
          [id],
        );
        expect(events.rows.map((e) => [e.key, e.payload.runId, e.payload.owner])).toEqual(granted.map((g) => [g.project.id, g.runId, g.owner]));
      });

      it('claims and releases in a few milliseconds (measured)', async () => {
        const { id, t } = await newTenant({ containers: 5, ports: 10 });
        const p = await t.registerProject(spec('latency'), admin(id));
        const claims: number[] = [];
        for (let i = 0; i < 50; i++) {
          const t0 = performance.now();
          await t.claimStart(p.id, admin(id), 'r');
          claims.push(performance.now() - t0);
          await t.release(p.id, { state: 'stopped', reason: 'requested' }, admin(id));
        }
        claims.sort((a, b) => a - b);
        const pct = (q: number) => claims[Math.min(claims.length - 1, Math.floor(q * claims.length))]!.toFixed(2);
        console.log(`[store] claimStart latency over 50 sequential claims (${store.client.engine}): p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
        expect((await t.usage()).containers.used).toBe(0);
      });

      it('refuses starts of a suspended tenant with `suspended`', async () => {
        const { id, t } = await newTenant();
        const p = await t.registerProject(spec('a'), admin(id));
        expect((await store.setTenantStatus(id, 'suspended', platformAdmin)).status).toBe('suspended');
        expect((await failure(t.claimStart(p.id, admin(id), 'r'))).code).toBe('suspended');
        await store.setTenantStatus(id, 'active', platformAdmin);
        expect((await t.claimStart(p.id, admin(id), 'r')).project.state).toBe('starting');
        const actions = (await t.listAudit(10)).map((r) => r.action);
        expect(actions).toEqual(expect.arrayContaining(['tenant.suspend', 'tenant.activate']));
      });

      it('records runtime state and lifecycle events', async () => {
        const { id, t } = await newTenant();
        const p = await t.registerProject(spec('a'), admin(id));
        await t.claimStart(p.id, admin(id), 'r');
        const r = await t.recordState(p.id, { state: 'running', ready: true, pid: 4242 }, { type: 'project.ready', payload: { pid: 4242 } });
        expect(r).toMatchObject({ state: 'running', ready: true, pid: 4242 });
        const cleared = await t.recordState(p.id, { pid: undefined, restarts: 2 });
        expect(cleared.pid).toBeUndefined();
        expect(cleared.restarts).toBe(2);
        const ev = (await store.pendingEvents(10_000)).filter((e) => e.tenantId === id && e.type === 'project.ready');
        expect(ev).toHaveLength(1);
        expect(ev[0]?.payload).toEqual({ projectId: p.id, pid: 4242 });
        expect((await failure(t.recordState('nope', { ready: true }))).code).toBe('not_found');
      });

      it('lists desired-running projects across tenants, by owner', async () => {
        const a = await newTenant();
        const b = await newTenant();
        const pa = await a.t.registerProject(spec('x'), admin(a.id));
        const pb = await b.t.registerProject(spec('y'), admin(b.id));
        await a.t.claimStart(pa.id, admin(a.id), 'owner-a');
        await b.t.claimStart(pb.id, admin(b.id), 'owner-b');
        const all = (await store.listDesiredRunning()).filter((p) => p.tenantId === a.id || p.tenantId === b.id);
        expect(all.map((p) => [p.tenantId, p.name])).toEqual(expect.arrayContaining([[a.id, 'x'], [b.id, 'y']]));
        expect((await store.listDesiredRunning('owner-b')).map((p) => p.id)).toEqual([pb.id]);
      });
    });

    describe('tenant isolation', () => {
      it('hides another tenant\'s project: get/list/claim/release/logs all say not_found', async () => {
        const a = await newTenant();
        const b = await newTenant();
        const p = await a.t.registerProject(spec('secret'), admin(a.id));
        expect(await b.t.getProject(p.id)).toBeUndefined();
        expect(await b.t.listProjects()).toEqual([]);
        expect((await failure(b.t.claimStart(p.id, admin(b.id), 'r'))).code).toBe('not_found');
        expect((await failure(b.t.release(p.id, { state: 'stopped', reason: 'x' }, admin(b.id)))).code).toBe('not_found');
        expect((await failure(b.t.recordState(p.id, { ready: true }))).code).toBe('not_found');
        expect((await failure(b.t.clearLogs(p.id, admin(b.id)))).code).toBe('not_found');
        const ins = await failure(b.t.appendLogs([{ projectId: p.id, runId: 'r', seq: 1, ts: new Date(), stream: 'stdout', level: 'info', message: 'x' }]));
        expect(ins.code).toBe('not_found');
        expect(await b.t.queryLogs({ projectIds: [p.id], limit: 10, order: 'asc' })).toEqual([]);
        expect((await a.t.getProject(p.id))?.state).toBe('registered');
        const unknown = store.tenant(tenantId('ghost'));
        expect((await failure(unknown.listProjects())).code).toBe('not_found');
      });

      it('lets PostgreSQL itself refuse tenant A\'s role on tenant B\'s tables', async () => {
        const a = await newTenant();
        const b = await newTenant();
        await b.t.registerProject(spec('b-only'), admin(b.id));
        const roleOf = async (id: string) =>
          (await store.client.query<{ role_name: string; schema_name: string }>('SELECT role_name, schema_name FROM platform.tenants WHERE id = $1', [id])).rows[0]!;
        const ra = await roleOf(a.id);
        const rb = await roleOf(b.id);
        const asA = (sql: string) =>
          store.client.transaction(async (tx) => {
            await tx.query(`SET LOCAL ROLE "${ra.role_name}"`);
            return tx.query(sql);
          });
        expect((await asA(`SELECT count(*)::int AS n FROM "${ra.schema_name}".projects`)).rows).toEqual([{ n: 0 }]);
        await expect(asA(`SELECT * FROM "${rb.schema_name}".projects`)).rejects.toThrow(/permission denied/);
        await expect(asA(`SELECT * FROM "${rb.schema_name}".logs`)).rejects.toThrow(/permission denied/);
        await expect(asA('SELECT * FROM platform.tenants')).rejects.toThrow(/permission denied/);
        await expect(asA(`DROP TABLE "${ra.schema_name}".logs`)).rejects.toThrow(/must be owner|permission denied/);
      });
    });

    describe('outbox', () => {
      it('gives pending events in id order and forgets delivered ones', async () => {
        const { id, t } = await newTenant();
        await t.registerProject(spec('a'), admin(id));
        await t.registerProject(spec('b'), admin(id));
        const pending = await store.pendingEvents(100_000);
        const ids = pending.map((e) => e.id);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        const mine = pending.filter((e) => e.tenantId === id);
        expect(mine.map((e) => e.type)).toEqual(['tenant.created', 'project.registered', 'project.registered']);
        await store.markDelivered(mine.slice(0, 2).map((e) => e.id));
        const left = (await store.pendingEvents(100_000)).filter((e) => e.tenantId === id);
        expect(left.map((e) => e.id)).toEqual([mine[2]!.id]);
        expect(await store.pendingEvents(0)).toEqual([]);
      });
    });

    logSuite(() => store);
    fencingSuite(() => store);
    outboxRetentionSuite(() => store);
  });
}
