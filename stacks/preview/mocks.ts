/**
 * Pulumi mocks for the stack program: every resource echoes its inputs plus the computed
 * outputs the program reads (ARNs, the EKS OIDC issuer, ...), and every registration is
 * recorded with its parent, provider and dependencies for the plan and the policies.
 */
import * as pulumi from '@pulumi/pulumi';

/** One registered resource as `preview:mock --json` prints it. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** False for ComponentResources. */
  readonly custom: boolean;
  readonly parent: string | undefined;
  /** URN of the provider resource, if one was given. */
  readonly provider: string | undefined;
  /** URNs this resource waits for (explicit dependsOn and input dependencies). */
  readonly dependencies: readonly string[];
  /** Inputs with secrets shown as "[secret]". */
  readonly inputs: Readonly<Record<string, unknown>>;
}

const SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const RESOURCE_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
const OUTPUT_SIG = 'd0e6a833031e9bbcd3f4e8bde6ca49a4';
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** Plain JSON from the wire format: secrets redacted, resource references as URNs. */
export function plain(value: unknown): unknown {
  if (value === UNKNOWN) return '[unknown]';
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const sig = obj[SIG];
  if (sig === SECRET_SIG) return '[secret]';
  if (sig === RESOURCE_SIG) return obj['urn'];
  if (sig === OUTPUT_SIG) return obj['secret'] === true ? '[secret]' : 'value' in obj ? plain(obj['value']) : '[unknown]';
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
}

function urnOf(parent: string, type: string, name: string): string {
  const parentType = parent === '' ? undefined : parent.split('::')[2]?.split('$').pop();
  const qualified = parentType === undefined ? type : `${parentType}$${type}`;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** Outputs the program reads from cloud resources, keyed by type. */
function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const arn = `arn:aws:mock:eu-west-1:123456789012:${type.split(':')[1] ?? type}/${name}`;
  const base = { arn, name: inputs['name'] ?? name };
  switch (type) {
    case 'aws:eks/cluster:Cluster':
      return {
        ...base,
        endpoint: `https://${name}.eks.mock`,
        certificateAuthority: { data: 'bW9jaw==' },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.eu-west-1.amazonaws.com/id/${name}` }] }],
        vpcConfig: { ...(inputs['vpcConfig'] as object), clusterSecurityGroupId: `sg-${name}` },
      };
    case 'aws:kms/key:Key':
      return { ...base, keyId: `key-${name}` };
    case 'aws:s3/bucket:Bucket':
      return { ...base, bucket: inputs['bucket'] ?? name, arn: `arn:aws:s3:::${String(inputs['bucket'] ?? name)}` };
    default:
      return base;
  }
}

export class PlanRecorder {
  readonly resources: PlannedResource[] = [];

  /** Installs the mocks (project, stack) and starts recording; call before running the program. */
  async install(project: string, stack: string): Promise<void> {
    const mocks: pulumi.runtime.Mocks = {
      newResource: (args) => ({ id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...(args.custom === false ? {} : computed(args.type, args.name, args.inputs)) } }),
      call: (args) => args.inputs,
    };
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => unknown };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, cb: unknown) => {
      this.record(req);
      return original(req, cb);
    };
  }

  private record(req: RegisterRequest): void {
    const provider = req.getProvider();
    this.resources.push({
      type: req.getType(),
      name: req.getName(),
      urn: urnOf(req.getParent(), req.getType(), req.getName()),
      custom: req.getCustom(),
      parent: req.getParent() === '' ? undefined : req.getParent(),
      provider: provider === '' ? undefined : provider.split('::').slice(0, -1).join('::'),
      dependencies: [...req.getDependenciesList()].sort(),
      inputs: plain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    });
  }
}

/** The parts of the gRPC RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
