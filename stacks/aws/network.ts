/**
 * The VPC the cluster runs in: created (public and private subnets per zone, NAT) or an
 * existing one passed through. Private subnets carry the EKS internal-ELB tag.
 * https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { EksClusterConfig } from '../config.js';

export interface NetworkArgs {
  readonly network: EksClusterConfig['network'];
  /** Tags on every resource. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Splits a /16../24 into /(prefix+4) subnets: index i of the first 16. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [address, prefixText] = vpcCidr.split('/');
  const prefix = Number(prefixText);
  const octets = (address ?? '').split('.').map(Number);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - (prefix + 4));
  const start = base + index * size;
  const parts = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${parts.join('.')}/${prefix + 4}`;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly publicSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:Network', name, {}, opts);
    const net = args.network;
    if (net.mode === 'existing') {
      this.vpcId = pulumi.output(net.vpcId);
      this.privateSubnetIds = pulumi.output([...net.privateSubnetIds]);
      this.publicSubnetIds = pulumi.output([...net.publicSubnetIds]);
      this.registerOutputs({ vpcId: this.vpcId });
      return;
    }
    const child = { parent: this };
    const tags = args.tags;
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: net.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } }, child);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, child);
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }], tags }, child);
    const zones = net.availabilityZones;
    const publicSubnets = zones.map((az, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${az}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: subnetCidr(net.cidr, i),
        mapPublicIpOnLaunch: false,
        tags: { ...tags, Name: `${name}-public-${az}`, 'kubernetes.io/role/elb': '1' },
      }, child);
      new aws.ec2.RouteTableAssociation(`${name}-public-${az}`, { subnetId: subnet.id, routeTableId: publicRt.id }, child);
      return subnet;
    });
    // One NAT per zone survives a zone outage; one shared NAT is cheaper (dev, staging).
    const natCount = net.natPerZone ? zones.length : 1;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${zones[i]}`, { domain: 'vpc', tags }, child);
      return new aws.ec2.NatGateway(`${name}-nat-${zones[i]}`, { allocationId: eip.id, subnetId: subnet.id, tags }, { parent: this, dependsOn: [igw] });
    });
    const privateSubnets = zones.map((az, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-private-${az}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: subnetCidr(net.cidr, 8 + i),
        tags: { ...tags, Name: `${name}-private-${az}`, 'kubernetes.io/role/internal-elb': '1' },
      }, child);
      const nat = nats[i % natCount];
      const rt = new aws.ec2.RouteTable(`${name}-private-${az}`, { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat?.id }], tags }, child);
      new aws.ec2.RouteTableAssociation(`${name}-private-${az}`, { subnetId: subnet.id, routeTableId: rt.id }, child);
      return subnet;
    });
    this.vpcId = vpc.id;
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }
}
