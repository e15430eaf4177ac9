/**
 * The API shapes the console reads, as the OpenAPI document at /docs/json describes them
 * (components.schemas); only the fields the console shows.
 */
export interface Problem {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
  errors?: { path: string; message: string }[];
}

export type Role = 'owner' | 'admin' | 'marketer' | 'read-only';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  tenantId: string;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface Connector {
  id: string;
  name: string;
  description: string;
  auth: 'api-key' | 'oauth2' | 'basic' | 'none';
  emits: string[];
  actions: { id: string; title: string; description: string; input: unknown }[];
  installInput: Record<string, unknown>;
  plugin?: { url: string; fileName: string };
  docs: string;
}

export interface Installation {
  id: string;
  connector: string;
  account: string;
  status: 'installing' | 'active' | 'error' | 'reauthorize' | 'uninstalled';
  settings: Record<string, unknown>;
  remote: { kind: string; name: string; externalId: string | null; status: string }[];
  lastError: string | null;
  lastReconciledAt: string | null;
  installedAt: string | null;
  createdAt: string;
  lastDeliveries?: {
    id: string;
    kind: string;
    receivedAt: string;
    status: string;
    note: string | null;
    events: { id: string; type: string; duplicate: boolean }[];
  }[];
}

export interface InstallResult {
  installation: Installation;
  changes: string[];
  shownOnce: Record<string, string>;
  warnings: string[];
}

export interface HubEvent {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  receivedAt: string;
  dedupeKey: string;
  subject: Record<string, unknown>;
  data: Record<string, unknown>;
}

export type MessageStatus = 'accepted' | 'scheduled' | 'submitted' | 'delivered' | 'undelivered' | 'expired' | 'rejected' | 'failed' | 'blocked';

export interface Message {
  id: string;
  channel: 'sms' | 'email';
  category: 'marketing' | 'transactional';
  status: MessageStatus;
  blockReason: string | null;
  to: string;
  from: string;
  text: string;
  encoding: 'GSM-7' | 'UCS-2' | null;
  segments: number | null;
  scheduledFor: string | null;
  scheduleReason: string | null;
  error: string | null;
  createdAt: string;
  history?: { status: MessageStatus; at: string; reason: string | null }[];
  receipts?: { providerMessageId: string; status: string; at: string; errorCode: string | null; raw: string; receivedAt: string }[];
}

export interface SmsPreview {
  text: string;
  encoding: 'GSM-7' | 'UCS-2';
  units: number;
  segments: number;
  parts: string[];
  nonGsmCharacters: string[];
  optOutMentionAppended: boolean;
  maxSegments: number;
  withinLimit: boolean;
  gsmRewrite: {
    outcome: 'already-gsm' | 'rewritten' | 'no-lookalike' | 'more-segments';
    text: string;
    encoding: 'GSM-7' | 'UCS-2';
    segments: number;
    replacements: { from: string; to: string; count: number }[];
    remainingNonGsm: string[];
  };
  compliance: { decision: 'send' | 'defer' | 'block'; reason: string | null; until: string | null } | null;
  warnings: string[];
}

export interface Scenario {
  id: string;
  name: string;
  description: string | null;
  status: 'draft' | 'active' | 'paused' | 'archived';
  version: number;
  activeVersion: number | null;
  definition: ScenarioDefinition;
  createdAt: string;
  updatedAt: string;
}

export interface ScenarioStep {
  id: string;
  type: string;
  [key: string]: unknown;
}

export interface ScenarioDefinition {
  trigger: Record<string, unknown>;
  entry?: Record<string, unknown>;
  exitEvents?: unknown[];
  steps: ScenarioStep[];
}

export interface ValidationAnswer {
  valid: boolean;
  errors: { path: string; message: string }[];
}

export interface SimulationResult {
  start: string;
  end: string;
  truncated: boolean;
  timeline: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  runs: { id: string; status: string; endReason: string | null; steps: unknown[] }[];
}

export interface ScenarioRun {
  id: string;
  scenarioId: string;
  contactId: string;
  status: string;
  step: string | null;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
}

export interface Contact {
  id: string;
  phone: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: string;
  [key: string]: unknown;
}

export interface ApiKey {
  id: string;
  name: string;
  role?: Role;
  prefix?: string;
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}
