/**
 * Why an interpreter process died, in the words the notebook shows on the cell it was running.
 */

/** The error a cell ends with when its interpreter died under it. */
export interface DeathReport {
  ename: string;
  evalue: string;
}

/** What V8 prints on stderr when a heap allocation fails ("... JavaScript heap out of memory"). */
const HEAP_EXHAUSTED = /heap out of memory|Reached heap limit|Allocation failed/i;

/**
 * Describes a death from the exit code or signal and the last of the process's stderr. A heap
 * exhausted aborts V8 (SIGABRT after its "out of memory" line); the system's out-of-memory killer
 * sends SIGKILL, which leaves no line, so that is named as a likely cause.
 */
export function describeDeath(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): DeathReport {
  if (HEAP_EXHAUSTED.test(stderrTail)) {
    return { ename: "OutOfMemoryError", evalue: "out of memory; the interpreter was restarted, variables are lost" };
  }
  if (signal === "SIGKILL") {
    return {
      ename: "InterpreterDied",
      evalue:
        "the interpreter was killed (SIGKILL, as the system's out-of-memory killer does); it was restarted, variables are lost",
    };
  }
  const how = signal ? `by ${signal}` : `with exit code ${code ?? "unknown"}`;
  return { ename: "InterpreterDied", evalue: `the interpreter died ${how}; it was restarted, variables are lost` };
}
