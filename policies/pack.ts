/**
 * The CrossGuard entry: `pulumi preview --policy-pack policies`. The only file that constructs
 * a PolicyPack (doing so starts the policy gRPC server), so import the rules, never this file.
 */
import { PolicyPack } from '@pulumi/policy';
import { toResourcePolicy, toStackPolicy } from './crossguard.js';
import { resourceRules, stackRules } from './rules/index.js';

new PolicyPack('debug-host-platform', {
  policies: [...resourceRules.map(toResourcePolicy), ...stackRules.map(toStackPolicy)],
});
