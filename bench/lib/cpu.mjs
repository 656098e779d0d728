// How much CPU processes that are NOT ours used while we measured: on a
// shared 2-core machine, another job running next to the benchmark shows up
// here (in cores: 0.5 = half a core on average), so a noisy figure can be
// recognised as such. Linux only (reads /proc); elsewhere it reports nothing.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  /* the Linux default */
}

/** pid → { ppid, ticks (user + system) } for every process visible now. */
function processes() {
  const out = new Map();
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(name), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Whether `pid` descends from `root` (our own process tree, wrangler and workerd included). */
function isOurs(procs, pid, root) {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === root) return true;
    p = procs.get(p)?.ppid ?? 0;
  }
  return false;
}

/** Total and steal jiffies from /proc/stat (steal: time the hypervisor gave to other VMs). */
function cpuTimes() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Starts a measurement window. `stop()` returns the CPU used meanwhile by
 * processes that are not ours, in cores; `stealShare()` (after stop) the share
 * of CPU time a hypervisor gave to other virtual machines.
 */
export function watchForeignCpu() {
  const before = processes();
  const timesBefore = cpuTimes();
  let steal;
  const t0 = performance.now();
  return {
    stealShare: () => steal,
    stop() {
      const timesAfter = cpuTimes();
      if (timesBefore && timesAfter && timesAfter.total > timesBefore.total) {
        steal = Number(((timesAfter.steal - timesBefore.steal) / (timesAfter.total - timesBefore.total)).toFixed(3));
      }
      const after = processes();
      const seconds = (performance.now() - t0) / 1000;
      if (after.size === 0 || seconds <= 0) return undefined;
      let ticks = 0;
      for (const [pid, { ticks: now }] of after) {
        if (isOurs(after, pid, process.pid)) continue;
        // A process that started during the window counts from zero.
        ticks += now - (before.get(pid)?.ticks ?? 0);
      }
      return Number((ticks / ticksPerSecond / seconds).toFixed(2));
    },
  };
}
