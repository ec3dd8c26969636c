/**
 * The allocation's holder: the batch job's script runs it, and the job lasts as long as it does.
 * It keeps the allocation while a proxy renews the lease in the kernel's folder, so that a kernel
 * restart (a new proxy, a new kernel) finds the allocation still there; when no proxy has renewed
 * the lease for the lease's length (the Jupyter server was killed, the machine lost), it ends and
 * the allocation goes back to the cluster instead of idling until its time limit.
 */
import { KernelJobDirectory } from "./job-directory.js";

/** How the agent runs. */
export interface AgentOptions {
  /** The kernel's folder. */
  dir: string;
  /** Seconds without a renewal after which the allocation ends. */
  leaseSeconds: number;
  /** Where to say why it ends. */
  log(line: string): void;
}

/** Holds the allocation until the lease goes stale; resolves then (the job ends when the script does). */
export async function runAgent(options: AgentOptions): Promise<void> {
  const dir = new KernelJobDirectory(options.dir);
  const everyMs = Math.min(5, options.leaseSeconds / 4) * 1000;
  options.log(`holding the allocation for ${dir.dir} while its lease is renewed (at most ${options.leaseSeconds} s apart)`);
  for (;;) {
    const age = dir.leaseAge();
    if (age > options.leaseSeconds) {
      options.log(
        age === Infinity
          ? "no lease: no proxy took this allocation; ending it"
          : `no proxy renewed the lease for ${Math.round(age)} s; ending the allocation`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
