import type { EventDraft, TimerOps } from './connector.ts';

/** What a connector's pure decision says about one payload: nothing (and why), or new memory and events. */
export type Decision<Memory> = { apply: false; note: string } | { apply: true; memory: Memory; events: EventDraft[]; timers?: TimerOps; note?: string };
