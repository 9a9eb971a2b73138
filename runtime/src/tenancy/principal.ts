import type { Actor, Role, TenantId } from '../domain/types.js';

/** The authenticated caller of a request, from a verified token (or the local stdio user). */
export interface Principal {
  readonly subject: string;
  readonly tenantId: TenantId;
  readonly role: Role;
}

export const actorOf = (principal: Principal): Actor => ({
  subject: principal.subject,
  role: principal.role,
  tenantId: principal.tenantId,
});
