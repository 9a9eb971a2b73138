import { defineTenant } from '../tenant-definition.js';

export default defineTenant({
  name: 'globex',
  displayName: 'Globex Corporation',
  owners: ['devtools@globex.example.com', 'oncall@globex.example.com'],
  // Globex evaluates in staging and runs in prod; no dev namespace.
  environments: ['staging', 'prod'],
  hostname: { prod: 'gx.debug-host.example.com' },
  quotas: { containers: 20, ports: 40, memory: '8Gi', cpu: '4', storage: '50Gi' },
  limits: { maxCpu: '2', maxMemory: '4Gi' },
});
