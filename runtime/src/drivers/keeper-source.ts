/**
 * The process keeper's own program (drivers/process-keeper.ts starts it with `node -e`):
 * plain JavaScript, so that it runs the same from source, the package and the bundle.
 *
 * It spawns every project process group of its replica, relays their output, and kills them
 * all (SIGKILL) when the replica dies (its stdin closes) or the owner lease runs out. Spawning
 * here, not in the runtime, is what makes starts fast: a fork costs in proportion to the
 * forking process's memory (6 ms from a 54 MB process, 120 ms from an 860 MB one, measured
 * here), and the runtime's event loop is blocked for each one.
 *
 * In, on stdin, one JSON object per line:
 *   {"op":"spawn","id":N,"file":...,"args":[...],"cwd":...,"env":{...}}  (uid, gid optional)
 *   {"op":"hold","ms":N}  the lease's remaining time; null for no deadline
 * Out, on fd 3 (a non-blocking socket, so that a runtime that does not read never stops the
 * deadline's clock), frames of [type u8][id u32][length u32][payload]:
 *   S {"pid"} spawned · F {"message","code"} not spawned · O stdout bytes · E stderr bytes ·
 *   X {"code","signal"} exited, after the last O and E of the run.
 * A child waits for `go` on its fd 3, written only after its S frame: if the keeper dies
 * before the runtime can know the group, the command never runs.
 */
export const FRAME = { spawned: 0x53, failed: 0x46, stdout: 0x4f, stderr: 0x45, exited: 0x58 } as const;
export const FRAME_HEADER_BYTES = 9;

/** The shell waits for `go` on fd 3 before it becomes the project's command (same pid, same group). */
export const COMMAND_GATE = 'read -r go <&3 || exit 111; exec 3<&-; exec /bin/sh -c "$1"';

/** After an exit, how long to wait for pipes held open by a grandchild before closing them. */
export const PIPE_DRAIN_MS = 2000;

export const KEEPER_SOURCE = String.raw`
const { spawn } = require('node:child_process');
const { Socket } = require('node:net');
const { performance } = require('node:perf_hooks');
const out = new Socket({ fd: 3, readable: false, writable: true });
out.on('error', () => process.exit(0));
const groups = new Set();
const paused = new Set();
let deadline = Infinity;

function frame(type, id, payload) {
  const head = Buffer.allocUnsafe(9);
  head.writeUInt8(type, 0); head.writeUInt32BE(id, 1); head.writeUInt32BE(payload.length, 5);
  return out.write(Buffer.concat([head, payload]));
}
const json = (type, id, value) => frame(type, id, Buffer.from(JSON.stringify(value)));
out.on('drain', () => { for (const s of paused) s.resume(); paused.clear(); });
function relay(type, id, stream) {
  stream.on('data', (chunk) => { if (!frame(type, id, chunk)) { stream.pause(); paused.add(stream); } });
  stream.on('error', () => {});
}

const killAll = (why) => {
  if (groups.size === 0) return;
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  process.stderr.write('debug-host keeper: killed ' + groups.size + ' project process group(s): ' + why + '\n');
  groups.clear();
};

function launch(m) {
  if (performance.now() >= deadline) return json(${FRAME.failed}, m.id, { message: 'the owner lease has run out' });
  let child;
  try {
    child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, uid: m.uid, gid: m.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  } catch (error) {
    return json(${FRAME.failed}, m.id, { message: error.message, code: error.code });
  }
  const pid = child.pid;
  if (pid === undefined) {
    child.once('error', (error) => json(${FRAME.failed}, m.id, { message: error.message, code: error.code }));
    return;
  }
  groups.add(pid);
  const gate = child.stdio[3];
  gate.on('error', () => {});
  child.once('spawn', () => { json(${FRAME.spawned}, m.id, { pid }); gate.end('go\n'); });
  child.once('error', () => {});
  relay(${FRAME.stdout}, m.id, child.stdout);
  relay(${FRAME.stderr}, m.id, child.stderr);
  let exit;
  let timer;
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    timer = setTimeout(() => { child.stdout.destroy(); child.stderr.destroy(); }, ${PIPE_DRAIN_MS});
  });
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    groups.delete(pid);
    paused.delete(child.stdout); paused.delete(child.stderr);
    json(${FRAME.exited}, m.id, exit ?? { code, signal });
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const m = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    if (m.op === 'spawn') launch(m);
    else if (m.op === 'hold') deadline = m.ms === null ? Infinity : performance.now() + m.ms;
  }
});
process.stdin.on('end', () => { killAll('the runtime process ended'); process.exit(0); });
setInterval(() => { if (performance.now() >= deadline) killAll('the owner lease ran out (the runtime was paused or cut off)'); }, 50);
`;
