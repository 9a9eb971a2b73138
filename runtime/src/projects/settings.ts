/** Tunables of project supervision, with their defaults. */
export interface SupervisionSettings {
  /** Grace between SIGTERM and SIGKILL on stop. @default 5000 */
  readonly stopGraceMs: number;
  /** How often idle projects are looked for and log retention applied. @default 30000 */
  readonly reapIntervalMs: number;
  /** Log lines kept per project in the store. @default 10000 */
  readonly logRetentionLines: number;
  /** Runs started at once on recovery and takeover. @default 16 */
  readonly resumeConcurrency: number;
}

export const DEFAULT_SUPERVISION: SupervisionSettings = {
  stopGraceMs: 5000,
  reapIntervalMs: 30_000,
  logRetentionLines: 10_000,
  resumeConcurrency: 16,
};
