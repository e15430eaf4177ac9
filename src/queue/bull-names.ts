/**
 * BullMQ's rules for names, and how hub names are mapped onto them.
 *
 * BullMQ rejects queue names and custom job ids containing ':' (its key separator), and custom job
 * ids that parse as integers (`${parseInt(id)}` === id: they could collide with its own counter
 * ids); see `Job.validateOptions` and `QueueBase` in bullmq 6. Hub ids like `evt_…:send` or a
 * tenant's `42` must still work, so names and ids are percent-encoded, and an integer-looking id
 * also gets its first character encoded. decodeURIComponent reverses both.
 */
export function toBullQueueName(name: string): string {
  return encodeURIComponent(name);
}

export function toBullJobId(id: string): string {
  const encoded = encodeURIComponent(id);
  if (`${Number.parseInt(encoded, 10)}` !== encoded) return encoded;
  return `%${encoded.charCodeAt(0).toString(16).toUpperCase()}${encoded.slice(1)}`;
}

/**
 * Back from a BullMQ job id. Ids of scheduled runs are BullMQ's own, `repeat:<scheduler id>:<ms>`,
 * with the scheduler id encoded like a job id, so they decode to `repeat:<schedule id>:<ms>`.
 */
export function fromBullJobId(id: string): string {
  return decodeURIComponent(id);
}
