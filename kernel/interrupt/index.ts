// Interrupts: SIGINT or a supervisor's doorbell heard at any time, and busy code stopped from outside when it must be.
export {
  listenForInterrupts,
  signalTime,
  takeInterruptsFromDoorbell,
  type InterruptListener,
  type InterruptSubscription,
} from "./interrupt-service.js";
export { doorbellRecord } from "./doorbell.js";
export type { StopReport } from "./messages.js";
