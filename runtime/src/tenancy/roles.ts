import type { Role } from '../domain/types.js';

/** What a tool needs; each role includes the permissions of the roles before it. */
export type Permission = 'read' | 'operate' | 'manage' | 'platform';

export const ROLES: readonly Role[] = ['viewer', 'developer', 'admin', 'platform-admin'];

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  developer: ['read', 'operate'],
  admin: ['read', 'operate', 'manage'],
  'platform-admin': ['read', 'operate', 'manage', 'platform'],
};

/** The least role that holds a permission, for error messages. */
export const LEAST_ROLE: Readonly<Record<Permission, Role>> = {
  read: 'viewer',
  operate: 'developer',
  manage: 'admin',
  platform: 'platform-admin',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}
