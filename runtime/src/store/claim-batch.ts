/**
 * Group commit for the claims of one tenant. Claims of a tenant are serialized by its row
 * lock anyway; instead of one transaction each, the claims that arrive while one transaction
 * is in progress wait for it and then go together in the next (at most `MAX_CLAIM_BATCH`).
 * A lone claim goes at once, so nothing waits that would not have waited for the lock.
 *
 * When a batch's transaction fails as a whole (not a refusal: those are per claim), each of
 * its claims is tried again alone, so that one claim's failure is never another's.
 */
import { DebugHostError } from '../domain/errors.js';
import type { ClaimOutcome, ClaimRequest } from './claim.js';
import type { StartClaim } from './store.js';

/** Bounds a batch's transaction (its statements carry arrays of this length). */
export const MAX_CLAIM_BATCH = 64;

type RunBatch = (requests: readonly ClaimRequest[]) => Promise<ClaimOutcome[]>;

interface Waiting {
  readonly request: ClaimRequest;
  readonly resolve: (claim: StartClaim) => void;
  readonly reject: (error: unknown) => void;
}

export class ClaimBatcher {
  private readonly waiting: Waiting[] = [];
  private running = false;

  /** `onIdle` lets the owner forget an idle batcher (one per tenant that has claimed). */
  constructor(private readonly onIdle?: () => void) {}

  claim(request: ClaimRequest, run: RunBatch): Promise<StartClaim> {
    return new Promise<StartClaim>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (!this.running) void this.drain(run);
    });
  }

  private async drain(run: RunBatch): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_CLAIM_BATCH);
        await runBatch(batch, run);
      }
    } finally {
      this.running = false;
      this.onIdle?.();
    }
  }
}

async function runBatch(batch: readonly Waiting[], run: RunBatch): Promise<void> {
  let outcomes: ClaimOutcome[];
  try {
    outcomes = await run(batch.map((w) => w.request));
  } catch (error) {
    if (batch.length === 1) return batch[0]?.reject(error);
    for (const waiting of batch) await runBatch([waiting], run);
    return;
  }
  batch.forEach((waiting, i) => {
    const outcome = outcomes[i];
    if (outcome instanceof DebugHostError) waiting.reject(outcome);
    else if (outcome) waiting.resolve(outcome);
    else waiting.reject(new Error(`claim batch of ${batch.length} returned ${outcomes.length} outcomes`));
  });
}
