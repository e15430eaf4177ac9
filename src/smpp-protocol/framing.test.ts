import { describe, expect, it } from 'vitest';
import { PduFramer } from './framing.ts';

function pdu(commandId: number, sequence: number, body: number[] = []): Buffer {
  const b = Buffer.alloc(16 + body.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequence, 12);
  Buffer.from(body).copy(b, 16);
  return b;
}

function header(length: number, commandId = 4, sequence = 77): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length >>> 0, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(sequence, 12);
  return b;
}

describe('PduFramer', () => {
  const a = pdu(0x15, 1);
  const b = pdu(0x04, 2, [0, 0, 0, 0x31, 0x32, 0]);
  const c = pdu(0x80000004, 3, [0x41, 0x42, 0]);
  const stream = Buffer.concat([a, b, c]);

  it('yields several PDUs from one chunk', () => {
    const { frames, error } = new PduFramer().push(stream);
    expect(error).toBeUndefined();
    expect(frames).toEqual([a, b, c]);
  });

  it('reassembles PDUs whatever the chunk boundaries, down to one octet per chunk', () => {
    for (const size of [1, 2, 3, 5, 7, 16, 17, 30]) {
      const framer = new PduFramer();
      const frames: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) {
        const result = framer.push(stream.subarray(i, i + size));
        expect(result.error).toBeUndefined();
        frames.push(...result.frames);
      }
      expect(frames, `chunks of ${size}`).toEqual([a, b, c]);
      expect(framer.bufferedLength).toBe(0);
    }
  });

  it('holds a partial PDU until it completes', () => {
    const framer = new PduFramer();
    expect(framer.push(b.subarray(0, 10)).frames).toEqual([]);
    expect(framer.bufferedLength).toBe(10);
    expect(framer.push(b.subarray(10)).frames).toEqual([b]);
  });

  it.each([
    ['command_length 0', 0, 'length_too_small'],
    ['command_length 8', 8, 'length_too_small'],
    ['command_length 15', 15, 'length_too_small'],
    ['command_length above the maximum', 64 * 1024 + 1, 'length_too_large'],
    ['command_length 0xFFFFFFFF', 0xffffffff, 'length_too_large'],
  ])('reports %s as a framing error with the header when readable', (_name, length, code) => {
    const framer = new PduFramer();
    const { frames, error } = framer.push(Buffer.concat([a, header(length)]));
    expect(frames).toEqual([a]); // PDUs before the bad one are still delivered
    expect(error).toMatchObject({ kind: 'framing', code, commandLength: length, header: { command_id: 4, sequence_number: 77 } });
    // Poisoned: nothing after a framing error is trusted.
    expect(framer.push(a)).toEqual({ frames: [], error });
  });

  it('reports a bad length split across chunks, without a header when it has not arrived', () => {
    const framer = new PduFramer();
    expect(framer.push(Buffer.from([0, 0])).frames).toEqual([]);
    const { error } = framer.push(Buffer.from([0, 8]));
    expect(error).toMatchObject({ code: 'length_too_small', commandLength: 8 });
    expect(error?.header).toBeUndefined();
  });

  it('honours a configured maximum', () => {
    const framer = new PduFramer({ maxPduLength: 20 });
    expect(framer.push(pdu(4, 1, [1, 2, 3, 4])).frames).toHaveLength(1);
    expect(framer.push(pdu(4, 2, [1, 2, 3, 4, 5])).error).toMatchObject({ code: 'length_too_large', maxPduLength: 20 });
    expect(() => new PduFramer({ maxPduLength: 8 })).toThrow(RangeError);
  });
});
