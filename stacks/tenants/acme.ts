import { defineTenant } from '../tenant-definition.js';

export default defineTenant({
  name: 'acme',
  displayName: 'ACME Corp',
  owners: ['platform@acme.example.com'],
  environments: ['dev', 'staging', 'prod'],
  quotas: { containers: 50, ports: 100, memory: '10Gi', cpu: 10, storage: '100Gi' },
});
