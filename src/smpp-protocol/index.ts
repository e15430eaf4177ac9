// SMPP 3.4 protocol library: framing, PDU codec, session and the Appendix B receipt text. The hub's SMPP server and its SMPP provider both build on it; it imports nothing of the hub.
export * from './constants.ts';
export * from './errors.ts';
export * from './pdu.ts';
export * from './framing.ts';
export * from './codec.ts';
export * from './session.ts';
export type * from './session-types.ts';
export * from './receipt-text.ts';
