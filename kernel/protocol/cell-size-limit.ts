/**
 * The largest cell the kernel accepts. Compiling a cell (transpiling, parsing, rewriting) takes
 * about 150-200 MB of memory per MB of source at its peak, so a cell of tens of megabytes would
 * exhaust the heap; it is refused with an error reply instead, before anything reads it.
 * `HPCFIT_MAX_CELL_BYTES` (a number of bytes) changes the limit.
 */

/** The limit when `HPCFIT_MAX_CELL_BYTES` is not set: 5 MiB. */
export const DEFAULT_MAX_CELL_BYTES = 5 * 1024 * 1024;

/** The environment variable that sets the limit. */
export const MAX_CELL_BYTES_VARIABLE = "HPCFIT_MAX_CELL_BYTES";

/**
 * The limit in bytes of UTF-8, from `env`. A value that is not a positive whole number is
 * reported through `warn` and the default is used.
 */
export function maxCellBytes(env: NodeJS.ProcessEnv = process.env, warn: (text: string) => void = () => undefined): number {
  const raw = env[MAX_CELL_BYTES_VARIABLE];
  if (raw === undefined || raw.trim() === "") return DEFAULT_MAX_CELL_BYTES;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value <= 0) {
    warn(`${MAX_CELL_BYTES_VARIABLE}=${JSON.stringify(raw)} is not a positive number of bytes; using ${DEFAULT_MAX_CELL_BYTES}`);
    return DEFAULT_MAX_CELL_BYTES;
  }
  return value;
}

/** The error message for a cell of `bytes` bytes over `limit`, or undefined when it fits. */
export function cellSizeError(bytes: number, limit: number): string | undefined {
  if (bytes <= limit) return undefined;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return (
    `the cell is ${mb(bytes)} (${bytes} bytes), more than the kernel accepts (${limit} bytes): ` +
    `load large data from a file instead, or raise the limit with ${MAX_CELL_BYTES_VARIABLE} ` +
    `(compiling takes about 200 MB of memory per MB of cell)`
  );
}
