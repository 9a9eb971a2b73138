import { describe, expect, it } from 'vitest';
import { EncryptedStorageClass } from '../../constructs/index.js';
import { expectValid, one, synth } from './helpers.js';

describe('EncryptedStorageClass', () => {
  it('defaults to an encrypted gp3 EBS class that keeps volumes and can grow', async () => {
    const objs = synth((chart) => new EncryptedStorageClass(chart, 'Sc'));
    await expectValid(objs);
    expect(one(objs, 'StorageClass', 'debug-host-data')).toMatchObject({
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: true,
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  });

  it('keeps encryption on whatever parameters are given', () => {
    const objs = synth((chart) => new EncryptedStorageClass(chart, 'Sc', { name: 'fast', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-ssd' } }));
    expect(one(objs, 'StorageClass', 'fast').parameters).toEqual({ type: 'pd-ssd', encrypted: 'true' });
    expect(() => synth((chart) => new EncryptedStorageClass(chart, 'Sc', { parameters: { encrypted: 'false' } }))).toThrow(/parameters.encrypted': must be "true"/);
  });
});
