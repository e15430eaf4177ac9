import type { PublishInput, PublishResult } from '../bus/trigger-event.ts';
import { newId } from '../ids.ts';
import type { EventPublisher } from './contacts.ts';

/** A publisher that records what the contacts part publishes, for service-level tests. */
export class RecordingPublisher implements EventPublisher {
  readonly published: PublishInput[] = [];

  async publish(input: PublishInput): Promise<PublishResult> {
    this.published.push(input);
    return { id: newId('evt'), duplicate: false };
  }

  ofType(type: string): PublishInput[] {
    return this.published.filter((event) => event.type === type);
  }
}
