/** Tenant lifecycle for platform admins: list, create, update quotas, suspend, resume, delete. */
import { z } from 'zod';
import { DebugHostError, invalid } from '../domain/errors.js';
import { tenantId } from './fields.js';
import { tenantJson } from './present.js';
import { defineTool } from './tool.js';

const count = (what: string) => z.number().int('must be a whole number').min(0, 'must not be negative').describe(`A whole number of ${what}`);

const quotas = z
  .object({
    containers: count('projects running at once').optional(),
    ports: count('ports leased at once').optional(),
    memoryMiB: count('MiB of memory').optional(),
    cpuMillis: count('millicores').optional(),
    storageMiB: count('MiB of storage').optional(),
    portRange: z
      .object({ from: z.number().int().min(1024).max(65535), to: z.number().int().min(1024).max(65535) })
      .strict()
      .refine((r) => r.from <= r.to, 'from must not be above to')
      .optional()
      .describe('An object {from, to} of ports from 1024 to 65535, from <= to'),
  })
  .strict()
  .describe('An object with any of containers, ports, memoryMiB, cpuMillis, storageMiB, portRange');

export const tenantListTool = defineTool({
  name: 'tenant.list',
  title: 'List tenants',
  description: 'Every tenant with its status and quotas.',
  permission: 'platform',
  annotations: { readOnlyHint: true },
  input: z.object({}).strict(),
  async handler(_args, { store }) {
    const tenants = await store.listTenants();
    return { text: tenants.map((t) => `${t.id} (${t.status})`).join('\n') || 'No tenants.', data: { count: tenants.length, tenants: tenants.map(tenantJson) } };
  },
});

export const tenantCreateTool = defineTool({
  name: 'tenant.create',
  title: 'Create a tenant',
  description: 'Creates a tenant with its own schema; quotas not given take the platform defaults, a port range is assigned when none is given.',
  permission: 'platform',
  input: z.object({ tenantId, displayName: z.string().min(1).max(200).optional().describe('A display name'), quotas: quotas.optional() }).strict(),
  async handler(args, { store, actor }) {
    const tenant = await store.createTenant({ id: args.tenantId, displayName: args.displayName, quotas: args.quotas }, actor);
    return { text: `Created tenant ${tenant.id}.`, data: { tenant: tenantJson(tenant) } };
  },
});

export const tenantUpdateTool = defineTool({
  name: 'tenant.update',
  title: 'Update tenant quotas',
  description: "Changes a tenant's quotas; running projects keep running, new starts see the new limits.",
  permission: 'platform',
  input: z.object({ tenantId, quotas }).strict(),
  async handler(args, { store, actor }) {
    if (Object.keys(args.quotas).length === 0) throw invalid('quotas', 'names no quota to change', 'Send at least one of containers, ports, memoryMiB, cpuMillis, storageMiB, portRange.');
    const tenant = await store.updateTenantQuotas(args.tenantId, args.quotas, actor);
    return { text: `Updated the quotas of ${tenant.id}.`, data: { tenant: tenantJson(tenant) } };
  },
});

export const tenantSuspendTool = defineTool({
  name: 'tenant.suspend',
  title: 'Suspend a tenant',
  description: "Stops every running project of the tenant and refuses new starts until tenant.resume. Data is kept.",
  permission: 'platform',
  annotations: { destructiveHint: true },
  input: z.object({ tenantId }).strict(),
  async handler(args, { store, projects, actor }) {
    const tenant = await store.setTenantStatus(args.tenantId, 'suspended', actor);
    const stopped = await projects.stopTenant(store.tenant(args.tenantId), 'tenant suspended');
    return { text: `Suspended ${tenant.id}; stopped ${stopped} projects.`, data: { tenant: tenantJson(tenant), stopped } };
  },
});

export const tenantResumeTool = defineTool({
  name: 'tenant.resume',
  title: 'Resume a tenant',
  description: 'Lets a suspended tenant start projects again.',
  permission: 'platform',
  input: z.object({ tenantId }).strict(),
  async handler(args, { store, actor }) {
    const tenant = await store.setTenantStatus(args.tenantId, 'active', actor);
    return { text: `Resumed ${tenant.id}.`, data: { tenant: tenantJson(tenant) } };
  },
});

export const tenantDeleteTool = defineTool({
  name: 'tenant.delete',
  title: 'Delete a tenant',
  description: 'Stops every project of the tenant and deletes its schema and data. The audit trail is kept. Send confirm equal to tenantId.',
  permission: 'platform',
  annotations: { destructiveHint: true },
  input: z.object({ tenantId, confirm: z.string().describe('The tenantId again, to confirm the deletion') }).strict(),
  async handler(args, { store, projects, actor, principal }) {
    if (args.confirm !== args.tenantId) throw invalid('confirm', 'does not equal tenantId', `Send confirm: "${args.tenantId}" to delete that tenant.`);
    if (args.tenantId === principal.tenantId) {
      throw new DebugHostError('conflict', 'You cannot delete the tenant your own token belongs to.', { field: 'tenantId', fix: 'Use a platform-admin token of another tenant.' });
    }
    const stopped = await projects.stopTenant(store.tenant(args.tenantId), 'tenant deleted');
    await store.deleteTenant(args.tenantId, actor);
    return { text: `Deleted tenant ${args.tenantId}; stopped ${stopped} projects.`, data: { tenantId: args.tenantId, deleted: true, stopped } };
  },
});
