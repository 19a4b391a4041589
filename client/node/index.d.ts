// Type declarations for @agentd/client (index.js).
//
// Messages are plain objects in the proto3 JSON shape of proto/agentd/v1:
// camelCase fields, enums as their names, int64 as number. Only the fields a
// caller usually reads are spelled out; the .proto files are the full truth.

import type { ChannelCredentials, ChannelOptions, Metadata } from '@grpc/grpc-js';

export type AgentStatus =
  | 'AGENT_STATUS_UNSPECIFIED' | 'AGENT_STATUS_OK' | 'AGENT_STATUS_FAILED'
  | 'AGENT_STATUS_TIMED_OUT' | 'AGENT_STATUS_SKIPPED' | 'AGENT_STATUS_CANCELLED';

/** agentd.v1.Requirements: known facts; they override what is read from text. */
export interface Requirements {
  teamSize?: number;
  teamCount?: number;
  domainClarity?: string;
  peakRps?: number;
  readRatio?: number;
  consistency?: string;
  dataShape?: string;
  cloud?: string;
  availabilitySlo?: number;
  latencyP99Ms?: number;
  opsMaturity?: string;
  needsReplay?: boolean;
  needsOrdering?: boolean;
  bursty?: boolean;
  [field: string]: unknown;
}

export interface Item { text: string; agent: string; rationale: string; [field: string]: unknown }
export interface Section { id: string; heading: string; items: Item[]; [field: string]: unknown }
export interface Decision {
  key: string; value: string; rationale: string; agent: string; confidence: number;
  [field: string]: unknown;
}
export interface Conflict {
  key: string; keptValue: string; keptAgent: string; otherAgent: string; otherValue: string;
  otherRationale: string;
  [field: string]: unknown;
}
export interface AgentRun {
  agent: string; status: AgentStatus; latencyMs: number; error: string; stub: boolean;
  plugin: string; circuitState: string;
}
export interface Review {
  title: string;
  sections: Section[];
  decisions: Decision[];
  conflicts: Conflict[];
  assumptions: Item[];
  questions: Item[];
  agents: AgentRun[];
  /** The whole review, rendered in the seed's Markdown format. */
  markdown: string;
  partial: boolean;
  requirements: Requirements | null;
  [field: string]: unknown;
}

export interface RouteReason { rule: string; kind: string; score: number; matched: string[] }
export interface RouteChoice { agent: string; score: number; reasons: RouteReason[]; explicit: boolean }
export interface RouteRejection { agent: string; why: string; score: number; reasons: RouteReason[] }
export interface UnhostedAgent { agent: string; rule: string; namedBy: string; score: number }
export interface RouteDecision {
  selected: RouteChoice[];
  rejected: RouteRejection[];
  unhosted: UnhostedAgent[];
  fallbackUsed: boolean;
  summary: string;
}

export interface ReviewResponse {
  sessionId: string;
  turn: number;
  review: Review;
  route: RouteDecision;
}

/** One event of streamReview(); `event` names the field that is set. */
export type ReviewEvent =
  | { event: 'routed'; routed: RouteDecision }
  | { event: 'agentStarted'; agentStarted: { agent: string } }
  | { event: 'agentFinished'; agentFinished: { agent: string; run: AgentRun; output: unknown } }
  | { event: 'review'; review: ReviewResponse };

export interface AgentCard {
  name: string;
  description: string;
  plugin: string;
  available: boolean;
  unavailableReason: string;
  stub: boolean;
  maturity: string;
  sections: string[];
  useWhen: string[];
  notFor: string[];
  competencies: string[];
  circuitState: string;
  timeoutMs: number;
  [field: string]: unknown;
}

export interface Session {
  id: string;
  title: string;
  createdUnixMs: number;
  updatedUnixMs: number;
  turnCount: number;
  facts: Requirements | null;
}

export interface Turn {
  seq: number;
  request: { sessionId: string; text: string; agents: string[]; title: string };
  route: RouteDecision;
  review: Review;
  status: string;
  latencyMs: number;
  createdUnixMs: number;
}

/** Options every call takes. */
export interface CallOptions {
  /** Relative deadline; default the client's timeoutMs (30 s). Infinity: none. */
  timeoutMs?: number;
  /** Absolute deadline; wins over timeoutMs. */
  deadline?: Date | number;
  /** Aborting cancels the call on the wire; it then fails with CANCELLED. */
  signal?: AbortSignal;
  /** Overrides the client's token for this call. */
  token?: string;
}

export interface ReviewOptions extends CallOptions {
  /** Continue this session; empty or absent starts a new one. */
  sessionId?: string;
  /** Ask these agents explicitly (inline @name mentions work too). */
  agents?: string[];
  requirements?: Requirements;
  /** Title of a new session. */
  title?: string;
}

export interface ConnectOptions {
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Folder holding agentd/v1/*.proto; default the repository's proto/. */
  protoDir?: string;
  /**
   * TLS, as agentctl's --tls_ca / --tls_cert / --tls_key: a PEM file path or
   * the PEM as a Buffer. Any of them connects with TLS; tlsCa defaults to the
   * system's roots; tlsCert with tlsKey presents a client certificate (mTLS).
   */
  tlsCa?: string | Buffer;
  tlsCert?: string | Buffer;
  tlsKey?: string | Buffer;
  /** Overrides the tls* options. Default: insecure (agentd listens on loopback without TLS). */
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** Default deadline of each call in ms; default 30000. */
  timeoutMs?: number;
}

/** A failed call: `code` is the gRPC status code, `codeName` its name. */
export class AgentdError extends Error {
  readonly name: 'AgentdError';
  readonly code: number;
  readonly codeName: string;
  readonly details: string;
  readonly metadata?: Metadata;
}

export class AgentdClient {
  constructor(address: string, options?: ConnectOptions);
  readonly address: string;
  review(text: string, opts?: ReviewOptions): Promise<ReviewResponse>;
  /** Breaking out of the loop cancels the call. */
  streamReview(text: string, opts?: ReviewOptions): AsyncGenerator<ReviewEvent, void, undefined>;
  route(text: string, opts?: CallOptions & { agents?: string[] }): Promise<RouteDecision>;
  listAgents(opts?: CallOptions): Promise<AgentCard[]>;
  createSession(session?: { title?: string; requirements?: Requirements },
    opts?: CallOptions): Promise<Session>;
  getSession(sessionId: string, opts?: CallOptions & { pageSize?: number; pageToken?: string }):
    Promise<{ session: Session; turns: Turn[]; nextPageToken: string }>;
  listSessions(opts?: CallOptions & { pageSize?: number; pageToken?: string; titleFilter?: string }):
    Promise<{ sessions: Session[]; nextPageToken: string }>;
  deleteSession(sessionId: string, opts?: CallOptions): Promise<void>;
  exportSession(sessionId: string, opts?: CallOptions & { format?: 'markdown' | 'json' }):
    Promise<{ content: string; contentType: string }>;
  health(opts?: CallOptions): Promise<'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN'>;
  close(): void;
}

/** A client for agentd at HOST:PORT; no connection is made until the first call. */
export function connect(address: string, options?: ConnectOptions): AgentdClient;

/** gRPC status codes by name, e.g. status.DEADLINE_EXCEEDED === 4. */
export const status: typeof import('@grpc/grpc-js').status;

export const DEFAULT_PROTO_DIR: string;
