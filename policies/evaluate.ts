/** Runs every rule over a set of resources: the one evaluation the checker and previews share. */
import { resourceRules as defaultResourceRules, stackRules as defaultStackRules } from './rules/index.js';
import { environmentOf } from './rules/kubernetes.js';
import type { PolicyResource, ResourceRule, StackContext, StackRule, Violation } from './rules/types.js';

export interface EvaluateOptions {
  /** @default - every rule in `policies/rules/index.ts` */
  readonly resourceRules?: readonly ResourceRule[];
  /** @default - every rule in `policies/rules/index.ts` */
  readonly stackRules?: readonly StackRule[];
}

export function resourceId(r: PolicyResource): string {
  return `${r.type}::${r.name}`;
}

export function evaluate(resources: readonly PolicyResource[], context: StackContext = {}, options: EvaluateOptions = {}): Violation[] {
  const ctx: StackContext = { environment: context.environment ?? environmentOf(resources) };
  const violations: Violation[] = [];
  for (const rule of options.resourceRules ?? defaultResourceRules) {
    for (const r of resources) {
      for (const message of rule.check(r)) {
        violations.push({ policy: rule.name, level: rule.level, resource: resourceId(r), message });
      }
    }
  }
  for (const rule of options.stackRules ?? defaultStackRules) {
    for (const f of rule.check(resources, ctx)) {
      violations.push({ policy: rule.name, level: rule.level, resource: resourceId(f.resource), message: f.message });
    }
  }
  return violations;
}

export function hasMandatory(violations: readonly Violation[]): boolean {
  return violations.some((v) => v.level === 'mandatory');
}
