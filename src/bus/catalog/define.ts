import type { z } from 'zod';

/**
 * One entry of the event catalog: the type's name, what it means, the schema of its `data`, and an
 * example that the console, the Zapier samples and the docs show (a test checks it parses).
 */
export interface EventType<Data extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  description: string;
  data: Data;
  example: z.infer<Data>;
}

export function defineEventType<Data extends z.ZodType>(entry: EventType<Data>): EventType<Data> {
  return entry;
}
