import type { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SecretKeyRef } from './common.js';
import { requireImage } from './debug-host.js';
import { componentLabels } from './labels.js';
import { requireDnsLabel, requireDnsName, requireInt, requireQuantity } from './validation.js';

export interface RedisClusterProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** @default 'debug-host-redis' */
  readonly name?: string;
  /** Primaries (hash-slot owners); Redis Cluster needs at least 3. @default 3 */
  readonly primaries?: number;
  /** Replicas per primary. @default 1 */
  readonly replicasPerPrimary?: number;
  /** Redis image, pinned (7.x or later: announces hostnames). @default 'redis:7.4.2' */
  readonly image?: string;
  /** PVC size per node (AOF persistence). @default '5Gi' */
  readonly storageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Secret key with the password (requirepass and masterauth). @default { name: 'debug-host-redis', key: 'password' } */
  readonly passwordSecret?: SecretKeyRef;
  /** Memory request and limit per node. @default '1Gi' */
  readonly memory?: string;
  /** The Kubernetes cluster's DNS domain, in the hostnames nodes announce. @default 'cluster.local' */
  readonly clusterDomain?: string;
}

const CLIENT_PORT = 6379;
const BUS_PORT = 16379;
const REDIS_UID = 999;

/**
 * Redis Cluster, 3 primaries + 3 replicas by default, as a StatefulSet in cluster mode plus
 * an idempotent init Job that runs `redis-cli --cluster create` once all nodes answer.
 *
 * Why not an operator CR: no Redis operator CRD is vendored with the platform (so its
 * objects could not be validated against a schema), the common operators lag Redis
 * releases, and a StatefulSet is portable to any cluster. Nodes announce stable hostnames
 * (`<pod>.<name>-headless`), so a rescheduled pod with a new IP rejoins as the same node.
 * Persistence: AOF on a PVC per node. Auth: password from a Secret, written into a
 * generated config file at start (never in the pod spec or the process arguments).
 *
 * Escape hatch: `statefulSet`, `initJob`, `service`, `headlessService`, `configMap`, `podDisruptionBudget`.
 */
export class RedisCluster extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  /** Client Service host, `<name>.<namespace>.svc` (a seed for cluster-aware clients). */
  readonly host: string;
  readonly port: number = CLIENT_PORT;
  readonly passwordSecret: SecretKeyRef;
  readonly nodes: number;
  readonly configMap: ApiObject;
  readonly headlessService: ApiObject;
  readonly service: ApiObject;
  readonly statefulSet: ApiObject;
  readonly podDisruptionBudget: ApiObject;
  readonly initJob: ApiObject;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: RedisClusterProps = {}) {
    super(scope, id);
    const C = 'RedisCluster';
    this.name = requireDnsLabel(C, 'name', props.name ?? 'debug-host-redis', 40);
    this.namespaceName = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    const primaries = requireInt(C, 'primaries', props.primaries ?? 3, 3, 100);
    const perPrimary = requireInt(C, 'replicasPerPrimary', props.replicasPerPrimary ?? 1, 0, 5);
    const image = requireImage(C, props.image ?? 'redis:7.4.2');
    const storage = requireQuantity(C, 'storageSize', props.storageSize ?? '5Gi');
    const memory = requireQuantity(C, 'memory', props.memory ?? '1Gi');
    const domain = requireDnsName(C, 'clusterDomain', props.clusterDomain ?? 'cluster.local');
    this.passwordSecret = props.passwordSecret ?? { name: 'debug-host-redis', key: 'password' };
    this.nodes = primaries * (1 + perPrimary);
    const ns = this.namespaceName;
    const name = this.name;
    const headless = `${name}-headless`;
    this.host = `${name}.${ns}.svc`;
    const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    const labels = { ...componentLabels(name, 'cache'), ...selector };
    const meta = (n: string) => ({ name: n, namespace: ns, labels });
    const qty = k8s.Quantity.fromString;
    const port = k8s.IntOrString.fromNumber;
    const passwordEnv: k8s.EnvVar = { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: this.passwordSecret.name, key: this.passwordSecret.key } } };
    const containerSecurity: k8s.SecurityContext = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const podSecurity: k8s.PodSecurityContext = {
      runAsNonRoot: true,
      runAsUser: REDIS_UID,
      runAsGroup: REDIS_UID,
      fsGroup: REDIS_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    };

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: meta(`${name}-config`),
      data: {
        'redis.conf': [
          `port ${CLIENT_PORT}`,
          'cluster-enabled yes',
          'cluster-config-file /data/nodes.conf',
          'cluster-node-timeout 5000',
          'cluster-preferred-endpoint-type hostname',
          'appendonly yes',
          'appendfsync everysec',
          'protected-mode no',
          'dir /data',
          '',
        ].join('\n'),
      },
    });

    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: meta(headless),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [
          { name: 'client', port: CLIENT_PORT, targetPort: port(CLIENT_PORT), protocol: 'TCP' },
          { name: 'bus', port: BUS_PORT, targetPort: port(BUS_PORT), protocol: 'TCP' },
        ],
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: meta(name),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'client', port: CLIENT_PORT, targetPort: port(CLIENT_PORT), protocol: 'TCP' }] },
    });

    const start = [
      'set -eu',
      `host="$POD_NAME.${headless}.$POD_NAMESPACE.svc.${domain}"`,
      'printf "include /etc/redis/redis.conf\\nrequirepass %s\\nmasterauth %s\\ncluster-announce-hostname %s\\n" "$REDIS_PASSWORD" "$REDIS_PASSWORD" "$host" > /conf/redis.conf',
      'exec redis-server /conf/redis.conf',
    ].join('\n');
    const ping = ['sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p 6379 ping | grep -q PONG'];
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta(name),
      spec: {
        serviceName: headless,
        replicas: this.nodes,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
                ],
              },
            },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            ],
            containers: [
              {
                name: 'redis',
                image,
                command: ['sh', '-c', start],
                env: [
                  passwordEnv,
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [
                  { name: 'client', containerPort: CLIENT_PORT, protocol: 'TCP' },
                  { name: 'bus', containerPort: BUS_PORT, protocol: 'TCP' },
                ],
                resources: { requests: { cpu: qty('100m'), memory: qty(memory) }, limits: { memory: qty(memory) } },
                livenessProbe: { tcpSocket: { port: port(CLIENT_PORT) }, initialDelaySeconds: 15, periodSeconds: 10 },
                readinessProbe: { exec: { command: ping }, initialDelaySeconds: 5, periodSeconds: 5 },
                securityContext: containerSecurity,
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'config', mountPath: '/etc/redis', readOnly: true },
                  { name: 'conf', mountPath: '/conf' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: `${name}-config` } },
              { name: 'conf', emptyDir: { medium: 'Memory', sizeLimit: qty('1Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(props.storageClass ? { storageClassName: props.storageClass } : {}),
              resources: { requests: { storage: qty(storage) } },
            },
          },
        ],
      },
    });

    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: meta(name),
      spec: { maxUnavailable: port(1), selector: { matchLabels: selector } },
    });

    const hosts = Array.from({ length: this.nodes }, (_, i) => `${name}-${i}.${headless}.${ns}.svc.${domain}`);
    // CLUSTER MEET takes addresses, so the hostnames are resolved first; afterwards the nodes
    // announce their hostnames and follow each other across IP changes.
    const init = [
      'set -eu',
      'export REDISCLI_AUTH="$REDIS_PASSWORD"',
      'addrs=""',
      `for h in ${hosts.join(' ')}; do`,
      `  until redis-cli -h "$h" -p ${CLIENT_PORT} ping 2>/dev/null | grep -q PONG; do echo "waiting for $h"; sleep 2; done`,
      `  addrs="$addrs $(getent hosts "$h" | awk '{print $1}'):${CLIENT_PORT}"`,
      'done',
      `if redis-cli -h ${hosts[0] ?? ''} -p ${CLIENT_PORT} cluster info | grep -q 'cluster_state:ok'; then echo 'cluster already formed'; exit 0; fi`,
      `redis-cli --cluster create $addrs --cluster-replicas ${perPrimary} --cluster-yes`,
    ].join('\n');
    this.initJob = new k8s.KubeJob(this, 'InitJob', {
      metadata: meta(`${name}-cluster-init`),
      spec: {
        backoffLimit: 20,
        template: {
          metadata: { labels: { ...componentLabels(name, 'cache-init') } },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            containers: [
              {
                name: 'cluster-init',
                image,
                command: ['sh', '-c', init],
                env: [passwordEnv],
                resources: { requests: { cpu: qty('50m'), memory: qty('64Mi') }, limits: { memory: qty('128Mi') } },
                securityContext: containerSecurity,
              },
            ],
          },
        },
      },
    });

    this.apiObjects = [this.configMap, this.headlessService, this.service, this.statefulSet, this.podDisruptionBudget, this.initJob];
  }
}
