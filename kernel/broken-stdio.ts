/**
 * Keeps a write to a stdout or stderr that lost its reader (the process that started the kernel
 * ended or was killed) from becoming an uncaught exception. Such a write fails later, as an
 * `error` event on the stream; unhandled, it reaches the kernel's last-resort exception handler,
 * which logs it to the same broken stderr, which fails again: the process then spins forever
 * instead of noticing that its supervisor is gone. Nothing can be said on a stream nobody reads,
 * so its errors are dropped.
 */
export function ignoreBrokenStdio(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", () => {
      // The reader is gone; the process ends by its other signals (a closed IPC channel, a new parent).
    });
}
