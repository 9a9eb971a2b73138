/**
 * The shapes every rule works on. A rule is a pure function: the CrossGuard pack, the
 * manifest checker and the mock preview all adapt their inputs to `PolicyResource`.
 */

/** `mandatory` stops a `pulumi up` (and fails `preview:mock`); `advisory` only warns. */
export type EnforcementLevel = 'mandatory' | 'advisory';

/** One resource as the rules see it: Pulumi type token, logical name, input properties. */
export interface PolicyResource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`, `aws:s3/bucket:Bucket`. */
  readonly type: string;
  /** Logical name (for Kubernetes objects from manifests: `<namespace>/<name>`). */
  readonly name: string;
  /** Input properties (for Kubernetes: the object with apiVersion, kind, metadata, spec). */
  readonly props: Readonly<Record<string, unknown>>;
  /** URN, when known (CrossGuard); lets a stack rule point at the offending resource. @default - none */
  readonly urn?: string;
}

/** Facts about the whole stack that some rules need. */
export interface StackContext {
  /** dev, staging, prod (or any other name). @default - read from the `debug-host.io/environment` label */
  readonly environment?: string;
}

interface RuleBase {
  /** kebab-case id, also the CrossGuard policy name. */
  readonly name: string;
  /** One sentence a reviewer reads next to a violation. */
  readonly description: string;
  readonly level: EnforcementLevel;
}

/** A rule over one resource: returns one message per problem (empty when the resource is fine). */
export interface ResourceRule extends RuleBase {
  readonly check: (resource: PolicyResource) => readonly string[];
}

/** A problem a stack rule found, attached to the resource it concerns. */
export interface StackFinding {
  readonly resource: PolicyResource;
  readonly message: string;
}

/** A rule over all resources of a stack. */
export interface StackRule extends RuleBase {
  readonly check: (resources: readonly PolicyResource[], context: StackContext) => readonly StackFinding[];
}

/** One violation as reported by `evaluate`, the manifest checker and `preview:mock --json`. */
export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  /** `<type>::<name>` of the resource concerned. */
  readonly resource: string;
  readonly message: string;
}
