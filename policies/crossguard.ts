/**
 * Adapters from the pure rules to CrossGuard policies. Kept apart from `pack.ts` so tests can
 * call the policies directly (constructing a PolicyPack starts a gRPC server).
 */
import type { PolicyConfigSchema, ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import type { ResourceRule, StackRule } from './rules/types.js';

/** Policy config of the stack rules: `pulumi preview --policy-pack policies --policy-pack-config cfg.json`. */
export interface StackPolicyConfig {
  /** dev, staging or prod. @default - read from the `debug-host.io/environment` label of the stack's objects */
  readonly environment?: string;
}

const stackConfigSchema: PolicyConfigSchema = {
  properties: { environment: { type: 'string', enum: ['dev', 'staging', 'prod'] } },
};

/** A resource policy with a single validation function (callable directly in tests). */
export type RulePolicy = ResourceValidationPolicy & { readonly validateResource: ResourceValidation };

export function toResourcePolicy(rule: ResourceRule): RulePolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.level,
    validateResource: (args, reportViolation) => {
      for (const message of rule.check({ type: args.type, name: args.name, props: args.props, urn: args.urn })) {
        reportViolation(message);
      }
    },
  };
}

export function toStackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.level,
    configSchema: stackConfigSchema,
    validateStack: (args, reportViolation) => {
      const config = args.getConfig<StackPolicyConfig>();
      const resources = args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props, urn: r.urn }));
      for (const finding of rule.check(resources, { environment: config.environment })) {
        reportViolation(finding.message, finding.resource.urn);
      }
    },
  };
}
