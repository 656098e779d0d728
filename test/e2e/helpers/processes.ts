// Child processes for the end-to-end tests: each in its own process group
// (detached), its output kept in memory, stopped by signalling the group and
// waiting for every process it started to be gone.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

/** The last lines a process wrote (stdout and stderr interleaved). */
export class LineLog {
  readonly lines: string[] = [];
  private partial = "";
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];

  constructor(private readonly max = 20_000) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.add(line);
  }

  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = "";
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    for (const w of [...this.waiters]) {
      const m = line.match(w.re);
      if (m) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }

  /** Resolves with the first line (already written or future) matching `re`. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }

  tail(n = 60): string {
    return this.lines.slice(-n).join("\n");
  }
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  comm: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    return { pid, comm, state: fields[0] ?? "?", ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Every live (non-zombie) process on the machine. */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info && info.state !== "Z" && info.state !== "X") out.push(info);
  }
  return out;
}

/** `root` and every live process descending from it. */
export function processTree(root: number): ProcInfo[] {
  const all = allProcesses();
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const rootInfo = all.find((p) => p.pid === root);
  if (rootInfo) out.push(rootInfo);
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** The processes among `known` (by pid, checked against the recorded command name) still alive. */
export function stillAlive(known: ProcInfo[]): ProcInfo[] {
  return known.filter((k) => {
    const now = readProc(k.pid);
    return now !== undefined && now.state !== "Z" && now.state !== "X" && now.comm === k.comm;
  });
}

export async function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", () => resolve(true));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Spawned {
  name: string;
  child: ChildProcess;
  pid: number;
  log: LineLog;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/** Spawns `cmd` in a new process group with stdout and stderr captured. */
export function spawnGroup(name: string, cmd: string, args: string[], options: SpawnOptions): Spawned {
  const child = spawn(cmd, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${cmd}`);
  const log = new LineLog();
  let done = false;
  child.stdout?.setEncoding("utf8").on("data", (d: string) => log.push(d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => log.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once("error", () => {
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  exited.then(() => log.flush());
  // Last resort if the test process itself goes away (a killed run): SIGTERM the group, which
  // dev.mjs and uvicorn both handle by stopping what they started.
  const onExit = () => {
    if (!done) signalGroup(child.pid as number, "SIGTERM");
  };
  process.once("exit", onExit);
  exited.then(() => process.off("exit", onExit));
  if (process.env.E2E_VERBOSE) {
    child.stdout?.on("data", (d: string) => process.stdout.write(`[${name}] ${d}`));
    child.stderr?.on("data", (d: string) => process.stderr.write(`[${name}] ${d}`));
  }
  return { name, child, pid: child.pid, log, exited, hasExited: () => done };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

export interface StopResult {
  /** How the group leader exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** Whether it had to be killed (it did not exit within the grace period). */
  forced: boolean;
  /** Processes of the tree still running at the moment the leader exited (they may exit on their own soon after). */
  aliveAtLeaderExit: ProcInfo[];
  /** Processes of the tree still running `settleMs` after the leader's exit (all SIGKILLed afterwards). */
  leftovers: ProcInfo[];
}

/**
 * Sends `signal` to the process group of `proc`, waits up to `graceMs` for the
 * leader to exit, then up to `settleMs` for every process of its tree (recorded
 * before signalling, which catches children in other process groups) to be gone.
 * Anything left is SIGKILLed by pid and reported.
 */
export async function stopGroup(
  proc: Spawned,
  signal: NodeJS.Signals,
  { graceMs = 20_000, settleMs = 10_000, known = [] as ProcInfo[] } = {},
): Promise<StopResult> {
  const current = processTree(proc.pid);
  const tree = [...current, ...known.filter((k) => !current.some((c) => c.pid === k.pid))];
  let forced = false;
  if (!proc.hasExited()) {
    signalGroup(proc.pid, signal);
    const timedOut = await Promise.race([proc.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      forced = true;
      for (const p of stillAlive(tree)) signalGroup(p.pgid, "SIGKILL");
      signalGroup(proc.pid, "SIGKILL");
    }
  }
  const exit = await proc.exited;
  const aliveAtLeaderExit = stillAlive(tree.filter((p) => p.pid !== proc.pid));
  const deadline = Date.now() + settleMs;
  let left = stillAlive(tree);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = stillAlive(tree);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
  return { exit, forced, aliveAtLeaderExit, leftovers: left };
}
