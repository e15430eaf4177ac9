// The SMPP session's keep-alive (§4.11): after a quiet interval, probe the peer with enquire_link; after too many
// probes in a row left unanswered, the peer is taken for gone. Nothing here touches the socket.
import { SmppResponseTimeoutError } from './errors.ts';

export class KeepAlive {
  private timer: NodeJS.Timeout | undefined;
  private outstanding = false;
  private missed = 0;
  private readonly probe: () => Promise<unknown>;
  private readonly onGone: (missed: number) => void;
  private readonly maxMissed: number;

  /** `probe` sends one enquire_link and settles with its answer; `onGone` is called once `maxMissed` went unanswered. */
  constructor(probe: () => Promise<unknown>, onGone: (missed: number) => void, maxMissed: number) {
    this.probe = probe;
    this.onGone = onGone;
    this.maxMissed = maxMissed;
  }

  /** (Re)starts the quiet-interval timer; 0 leaves it stopped. */
  start(ms: number): void {
    this.stop();
    if (ms > 0) {
      this.timer = setTimeout(() => this.onIdle(), ms);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Something arrived from the peer: the quiet interval starts again. */
  heard(): void {
    this.timer?.refresh();
  }

  private onIdle(): void {
    this.timer?.refresh();
    if (this.outstanding) return;
    this.outstanding = true;
    this.probe().then(
      () => {
        // Any answer, even a generic_nack, shows the peer is alive.
        this.missed = 0;
        this.outstanding = false;
      },
      (error: unknown) => {
        this.outstanding = false;
        if (!(error instanceof SmppResponseTimeoutError)) return;
        this.missed++;
        if (this.missed >= this.maxMissed) this.onGone(this.missed);
      },
    );
  }
}
