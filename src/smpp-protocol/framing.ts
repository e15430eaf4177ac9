// Splits a TCP byte stream into SMPP PDUs. Every PDU starts with its own length, command_length (§3.2), which counts
// the whole PDU including the 16-octet header. A length below 16 or above our maximum means the stream is corrupt
// or hostile and cannot be resynchronised: that is a framing error, reported as a value, after which the framer
// refuses further input. Memory held per connection is bounded by the maximum PDU length.
import { HEADER_LENGTH } from './constants.ts';
import type { FramingError } from './errors.ts';

/** SMPP 3.4 sets no maximum; 64 KiB holds a message_payload of any real message (the 'smpp' package stops at 16 KiB). */
export const DEFAULT_MAX_PDU_LENGTH = 64 * 1024;

export interface PduFramerOptions {
  maxPduLength?: number;
}

export interface FramerResult {
  /** Complete PDUs, in order, each exactly command_length octets. */
  frames: Buffer[];
  /** Set once the stream is unusable; frames received before the bad length are still returned. */
  error?: FramingError;
}

export class PduFramer {
  readonly maxPduLength: number;
  private readonly lengthPrefix = Buffer.alloc(4);
  private prefixFilled = 0;
  private frame: Buffer | undefined;
  private frameFilled = 0;
  private error: FramingError | undefined;

  constructor(options: PduFramerOptions = {}) {
    const max = options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH;
    if (!Number.isInteger(max) || max < HEADER_LENGTH || max > 0xffffffff) {
      throw new RangeError(`maxPduLength must be an integer in [${HEADER_LENGTH}, 2^32-1], got ${max}`);
    }
    this.maxPduLength = max;
  }

  /** Octets held while waiting for the rest of a PDU. */
  get bufferedLength(): number {
    return this.prefixFilled + this.frameFilled;
  }

  push(chunk: Buffer): FramerResult {
    if (this.error) return { frames: [], error: this.error };
    const frames: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.frame === undefined) {
        let length: number;
        if (this.prefixFilled === 0 && chunk.length - pos >= 4) {
          length = chunk.readUInt32BE(pos);
          const error = this.check(length, chunk, pos + 4);
          if (error) return { frames, error };
          if (chunk.length - pos >= length) {
            // Fast path: the whole PDU is in this chunk, hand out a view without copying.
            frames.push(chunk.subarray(pos, pos + length));
            pos += length;
            continue;
          }
        } else {
          // The length itself is split across chunks.
          const n = Math.min(4 - this.prefixFilled, chunk.length - pos);
          chunk.copy(this.lengthPrefix, this.prefixFilled, pos, pos + n);
          this.prefixFilled += n;
          pos += n;
          if (this.prefixFilled < 4) break;
          length = this.lengthPrefix.readUInt32BE(0);
          const error = this.check(length, chunk, pos);
          if (error) return { frames, error };
          this.prefixFilled = 0;
          this.frame = Buffer.allocUnsafe(length);
          this.lengthPrefix.copy(this.frame, 0);
          this.frameFilled = 4;
          continue;
        }
        // The PDU continues in later chunks: collect it into one buffer of its announced (bounded) size.
        this.frame = Buffer.allocUnsafe(length);
        this.frameFilled = 0;
      }
      const n = Math.min(this.frame.length - this.frameFilled, chunk.length - pos);
      chunk.copy(this.frame, this.frameFilled, pos, pos + n);
      this.frameFilled += n;
      pos += n;
      if (this.frameFilled === this.frame.length) {
        frames.push(this.frame);
        this.frame = undefined;
        this.frameFilled = 0;
      }
    }
    return { frames };
  }

  /** Validates command_length; `rest` holds the octets after it, from `restPos` on, for the error's header. */
  private check(length: number, rest: Buffer, restPos: number): FramingError | undefined {
    if (length >= HEADER_LENGTH && length <= this.maxPduLength) return undefined;
    const tooSmall = length < HEADER_LENGTH;
    const error: FramingError = {
      kind: 'framing',
      code: tooSmall ? 'length_too_small' : 'length_too_large',
      commandLength: length,
      maxPduLength: this.maxPduLength,
      message: tooSmall
        ? `command_length ${length} is shorter than the ${HEADER_LENGTH}-octet header`
        : `command_length ${length} exceeds the maximum of ${this.maxPduLength}`,
    };
    if (rest.length - restPos >= HEADER_LENGTH - 4) {
      error.header = { command_id: rest.readUInt32BE(restPos), sequence_number: rest.readUInt32BE(restPos + 8) };
    }
    this.error = error;
    this.frame = undefined;
    this.frameFilled = 0;
    this.prefixFilled = 0;
    return error;
  }
}
