/**
 * kafkajs 2.2.4 (the latest release) re-arms a timer on every broker connection's request
 * queue after every check, even with nothing waiting: with no client-side throttle its delay is
 * negative, so Node runs it after 1 ms, for ever. Every process holding a connection spent about
 * 3 % of a core doing nothing (tulios/kafkajs#1556, #1604, #1704; the fixes proposed there,
 * #1667, are unreleased). Here a check is scheduled only while requests wait: `push` schedules
 * one whenever it queues a request (at the throttle's end if throttled), and a response or a
 * time-out checks the queue straight away, so nothing relies on the idle timer.
 */
interface RequestQueueInternals {
  pending: unknown[];
  scheduleCheckPendingRequests: (this: RequestQueueInternals) => void;
}

const PATCHED = Symbol.for('carelog.kafkajs.idle-request-queue');

/** kafkajs's RequestQueue class (not part of its typed API; the same module kafkajs loads). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: RequestQueueInternals & { [PATCHED]?: true };
};

/** Applied once per process, before any connection is made (createKafka calls it). */
export function keepIdleRequestQueuesIdle(): void {
  const prototype = RequestQueue.prototype;
  if (prototype[PATCHED]) return;
  const schedule = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  prototype[PATCHED] = true;
}
