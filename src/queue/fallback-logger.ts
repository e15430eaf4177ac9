import type { QueueLogger } from './job-queue.ts';

/** Used when a queue is opened without a logger (scripts, benchmarks): failures must not vanish silently. */
export const fallbackLogger: QueueLogger = {
  warn: (details, message) => console.error(message, details),
  error: (details, message) => console.error(message, details),
};
