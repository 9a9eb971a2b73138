/**
 * A real OpenTelemetry Collector (scripts/otelcol/build.sh: OTLP receiver, file exporter) on
 * a free loopback port, writing every trace it receives to a JSON-lines file the test reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTELCOL_VERSION } from '../../../constructs/otel-collector.js';

export function otelcolBinary(): string {
  const bin = process.env.OTELCOL ?? join(process.env.DEBUG_HOST_CACHE_DIR ?? join(homedir(), '.cache/debug-host'), `otelcol-v${OTELCOL_VERSION}`, 'bin/otelcol');
  if (!existsSync(bin)) throw new Error(`No OpenTelemetry Collector at ${bin}: run scripts/otelcol/build.sh (or set OTELCOL to its binary) before this suite.`);
  return bin;
}

/** One span as the file exporter writes it (OTLP JSON), with the replica that sent it. */
export interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly replica: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpLine {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpKeyValue[] }> }> }>;
}

const valueOf = (v: OtlpValue): string | number | boolean => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue ?? ''));
const record = (kvs: OtlpKeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, valueOf(kv.value)]));

export class Collector {
  private constructor(
    private readonly child: ChildProcess,
    /** OTLP/HTTP base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
    readonly endpoint: string,
    private readonly file: string,
    private readonly stderr: string[],
  ) {}

  static async start(): Promise<Collector> {
    const bin = otelcolBinary();
    const dir = await mkdtemp(join(tmpdir(), 'debug-host-otelcol-'));
    const port = await freePort();
    const file = join(dir, 'traces.jsonl');
    const config = {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      exporters: { file: { path: file, format: 'json', flush_interval: '100ms' } },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } }, telemetry: { metrics: { level: 'none' } } },
    };
    await writeFile(join(dir, 'config.yaml'), JSON.stringify(config));
    const child = spawn(bin, [`--config=file:${join(dir, 'config.yaml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const collector = new Collector(child, `http://127.0.0.1:${port}`, file, stderr);
    await collector.ready(port);
    return collector;
  }

  /** Every span written so far. */
  async spans(): Promise<ExportedSpan[]> {
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    const spans: ExportedSpan[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as OtlpLine;
      for (const rs of parsed.resourceSpans ?? []) {
        const replica = String(record(rs.resource?.attributes)['service.instance.id'] ?? '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, replica, attributes: record(s.attributes) });
        }
      }
    }
    return spans;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }

  private async ready(port: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the collector exited with ${this.child.exitCode}: ${this.stderr.join('')}`);
      try {
        // An empty export request: 200 once the receiver listens.
        const response = await fetch(`${this.endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the collector did not listen on ${port} within 15 s: ${this.stderr.join('')}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
