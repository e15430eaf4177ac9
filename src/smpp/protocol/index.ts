// SMPP 3.4 protocol layer: framing, PDU codec and session. The hub's SMPP server and its upstream client build on it.
export * from './constants.ts';
export * from './errors.ts';
export * from './pdu.ts';
export * from './framing.ts';
export * from './codec.ts';
export * from './session.ts';
