/** tenant.usage (any role) and tenant.audit (tenant admins). */
import { z } from 'zod';
import { limit } from './fields.js';
import { auditJson } from './present.js';
import { defineTool } from './tool.js';

export const usageTool = defineTool({
  name: 'tenant.usage',
  title: 'Quota use',
  description: "Your tenant's use against its quotas: running projects, leased ports, storage, and log volume.",
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z.object({}).strict(),
  async handler(_args, { tenant }) {
    const usage = await tenant.usage();
    const pct = (used: number, max: number): string => (max > 0 ? `${Math.round((used / max) * 100)}%` : 'n/a');
    return {
      text:
        `Containers ${usage.containers.used}/${usage.containers.limit} (${pct(usage.containers.used, usage.containers.limit)}), ` +
        `ports ${usage.ports.used}/${usage.ports.limit}, storage ${usage.storageMiB.used}/${usage.storageMiB.limit} MiB, ` +
        `${usage.projects} projects, ${usage.logLines} log lines.`,
      data: { ...usage },
    };
  },
});

export const auditTool = defineTool({
  name: 'tenant.audit',
  title: 'Audit trail',
  description: "The newest audit records of your tenant: who changed what, and when.",
  permission: 'manage',
  annotations: { readOnlyHint: true },
  input: z.object({ limit: limit(100, 1000) }).strict(),
  async handler(args, { tenant }) {
    const records = await tenant.listAudit(args.limit);
    return {
      text: records.map((r) => `${r.at.toISOString()} ${r.actor} ${r.action} ${r.target}`).join('\n') || 'No audit records.',
      data: { count: records.length, records: records.map(auditJson) },
    };
  },
});
