/**
 * `npm run chart [-- --out dir]`: generates the Helm chart from the constructs into
 * `<out>/debug-host/` (default dist/chart), after checking it against the constructs'
 * synth (verify.ts). Exits 1, writing nothing, when the generator cannot template something
 * the constructs derive or the chart would render other objects than the constructs.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildChart } from './build.js';
import { CHART_NAME, chartFiles } from './files.js';
import { verifyChart } from './verify.js';

export interface GenerateResult {
  readonly dir: string;
  readonly files: number;
  readonly templates: number;
  readonly perTenant: number;
  readonly variants: number;
  readonly checked: number;
  readonly refused: readonly string[];
  readonly ms: number;
}

/** Builds, checks and writes the chart; throws (leaving any previous chart as it was) on failure. */
export function generateChart(outDir = join('dist', 'chart')): GenerateResult {
  const started = performance.now();
  const chart = buildChart();
  const verified = verifyChart(chart);
  const files = chartFiles(chart);
  const dir = resolve(outDir, CHART_NAME);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(tmp, path)), { recursive: true });
    writeFileSync(join(tmp, path), content);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return {
    dir,
    files: files.size,
    templates: chart.objects.length,
    perTenant: chart.objects.filter((o) => o.perTenant).length,
    variants: chart.variants,
    checked: verified.checked,
    refused: verified.refused,
    ms: Math.round(performance.now() - started),
  };
}

function main(argv: readonly string[]): number {
  const i = argv.indexOf('--out');
  try {
    const r = generateChart(i >= 0 ? argv[i + 1] : undefined);
    console.log(
      `chart: ${r.dir}: ${r.files} files, ${r.templates} templates (${r.perTenant} per tenant) from ${r.variants + 1} syntheses; ` +
        `${r.checked} value sets render the constructs' objects exactly (${r.refused.length} refused by the constructs) in ${r.ms} ms`,
    );
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)));
