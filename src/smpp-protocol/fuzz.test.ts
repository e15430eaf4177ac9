// Seeded mini-fuzz of framer + codec, in process. The property: no input makes them throw; every PDU that decodes
// re-encodes, and decodes again to the same value. (The million-PDU fuzz over sockets lives with the server.)
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu } from './codec.ts';
import { CommandId, TlvTag, isResponseId } from './constants.ts';
import { PduFramer } from './framing.ts';
import type { Pdu, PduInput } from './pdu.ts';

function isErrorResponse(pdu: Pdu): boolean {
  return isResponseId(CommandId[pdu.command]) && pdu.command_status !== 0;
}

/** The PDU without its optional parameters, to measure its mandatory part (a mandatory field of a TLV's name keeps its length). */
function withoutTlvs(pdu: Pdu): PduInput {
  const copy: Record<string, unknown> = { ...pdu };
  for (const name of [...Object.keys(TlvTag), 'other_tlvs']) delete copy[name];
  // Without message_payload the user-data rules could fail; these Int1 fields keep their length when zeroed.
  if ('esm_class' in copy) copy.esm_class = 0;
  if ('data_coding' in copy) copy.data_coding = 0;
  return copy as PduInput;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed_2026;
const ROUNDS = 20_000;

describe('framer + codec fuzz', () => {
  it(`survives ${ROUNDS} random and mutated PDUs (seed ${SEED.toString(16)})`, () => {
    const random = prng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const ids = Object.values(CommandId);

    const seeds: PduInput[] = [
      { command: 'bind_transceiver', system_id: 'adobe', password: 'pw' },
      { command: 'submit_sm', destination_addr: '33612345678', data_coding: 8, esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 1, 2, 1, 0, 0x41]) },
      { command: 'submit_sm', destination_addr: '336', data_coding: 0, message_payload: Buffer.alloc(300, 0x41) },
      { command: 'deliver_sm', destination_addr: '36000', data_coding: 0, esm_class: 4, short_message: Buffer.from('id:abc stat:DELIVRD'), receipted_message_id: 'abc', message_state: 2 },
      { command: 'data_sm', destination_addr: '1', data_coding: 0, sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 1, other_tlvs: [{ tag: 0x1400, value: Buffer.from('x') }] },
      { command: 'submit_sm_resp', message_id: 'Ab12Cd34Ef' },
      { command: 'query_sm_resp', message_id: 'a', message_state: 2 },
      { command: 'cancel_sm', message_id: 'a' },
      { command: 'enquire_link' },
      { command: 'generic_nack', command_status: 3 },
    ];
    const valid = seeds.map((s) => encodePdu({ ...s, sequence_number: 1 + int(1000) }));

    function mutate(pdu: Buffer): Buffer {
      const b = Buffer.from(pdu);
      switch (int(8)) {
        case 0: // flip bits
          for (let i = 1 + int(4); i > 0; i--) b[int(b.length)]! ^= 1 << int(8);
          return b;
        case 1: // overwrite octets in the body
          for (let i = 1 + int(4); i > 0; i--) b[16 + int(Math.max(1, b.length - 16))] = int(256);
          return b;
        case 2: // truncate, keeping command_length consistent
        {
          const t = b.subarray(0, 16 + int(b.length - 15));
          t.writeUInt32BE(t.length, 0);
          return t;
        }
        case 3: // append random octets, keeping command_length consistent
        {
          const t = Buffer.concat([b, bytes(1 + int(20))]);
          t.writeUInt32BE(t.length, 0);
          return t;
        }
        case 4: // lie about command_length
          b.writeUInt32BE(pick([0, 8, 15, 16, b.length - 1, b.length + 1, 70_000, 0xffffffff, int(2 ** 32)]), 0);
          return b;
        case 5: // another command_id, known or not
          b.writeUInt32BE(random() < 0.7 ? pick(ids) : int(2 ** 32), 4);
          return b;
        case 6: // random command_status
          b.writeUInt32BE(random() < 0.5 ? 0 : int(2 ** 32), 8);
          return b;
        default: // garbage of plausible length with a real header
        {
          const t = Buffer.concat([b.subarray(0, 16), bytes(int(64))]);
          t.writeUInt32BE(t.length, 0);
          return t;
        }
      }
    }

    // Plain checks in the loop (vitest's expect is slow at this volume); failures are collected and reported at the end.
    const failures: string[] = [];
    const fail = (round: number, input: Buffer, what: string) => {
      if (failures.length < 10) failures.push(`round ${round}: ${what} (input ${input.toString('hex')})`);
    };
    let decoded = 0;
    let rejected = 0;
    let framingErrors = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const input = random() < 0.1 ? bytes(int(200)) : mutate(pick(valid));
      try {
        // Through a fresh framer, split at random points, then through the decoder.
        const framer = new PduFramer();
        const frames: Buffer[] = [];
        for (let pos = 0; pos < input.length; ) {
          const size = 1 + int(input.length);
          const result = framer.push(input.subarray(pos, pos + size));
          pos += size;
          frames.push(...result.frames);
          if (result.error) {
            framingErrors++;
            break;
          }
        }
        for (const frame of frames) {
          const result = decodePdu(frame);
          if (!result.ok) {
            rejected++;
            if (result.header?.sequence_number !== frame.readUInt32BE(12)) fail(round, input, 'no header on a framed PDU');
            if (!(result.error.status > 0)) fail(round, input, 'error without a status to answer with');
            // 'internal' means the decoder hit a bug and its safety net caught it: none may exist.
            if (result.error.code === 'internal') fail(round, input, result.error.message);
            continue;
          }
          decoded++;
          const reencoded = encodePdu(result.pdu);
          const again = decodePdu(reencoded);
          // Octet-exact too (TLVs may come back in another order, which §3.3 allows), except where the decoder is
          // lenient on purpose: bodiless responses get defaults, receipted_message_id may lack its NUL.
          const lenient = (isResponseId(frame.readUInt32BE(4)) && frame.length === 16) || result.pdu.receipted_message_id !== undefined;
          if (!lenient && !isErrorResponse(result.pdu)) {
            const mandatoryLength = encodePdu(withoutTlvs(result.pdu)).length;
            if (reencoded.length !== frame.length || !reencoded.subarray(0, mandatoryLength).equals(frame.subarray(0, mandatoryLength))) {
              fail(round, input, `re-encoded as ${reencoded.toString('hex')}`);
            }
          }
          if (isErrorResponse(result.pdu)) {
            // Error responses are re-encoded without a body (§4.4.2): only the header survives.
            if (!again.ok || again.pdu.command !== result.pdu.command || again.pdu.command_status !== result.pdu.command_status) {
              fail(round, input, 'error response did not survive re-encoding');
            }
          } else if (!isDeepStrictEqual(again, result)) {
            fail(round, input, 'decode(encode(pdu)) differs from pdu');
          }
        }
      } catch (error) {
        fail(round, input, `threw ${String(error)}`);
      }
    }
    expect(failures).toEqual([]);
    // The mutations must actually exercise every outcome.
    expect(decoded).toBeGreaterThan(ROUNDS / 10);
    expect(rejected).toBeGreaterThan(ROUNDS / 10);
    expect(framingErrors).toBeGreaterThan(ROUNDS / 20);
  });
});
