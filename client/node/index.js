'use strict';
// @agentd/client: agentd for Node.js (IDE extension backends).
//
// Built on @grpc/grpc-js and @grpc/proto-loader, loading agentd's own .proto
// files at run time, so messages are plain objects in the proto3 JSON shape
// (camelCase fields, enums as their names, int64 as numbers).
//
//   const { connect } = require('@agentd/client');
//   const agentd = connect('127.0.0.1:50051', { token });
//   const remote = connect('agentd.internal:50051', { token, tlsCa: 'ca.pem' });
//   const { review } = await agentd.review('Monolith or microservices?');
//   for await (const event of agentd.streamReview(text, { signal })) { … }
//
// Every call takes { timeoutMs | deadline, signal }: the deadline goes to the
// server as the gRPC deadline, and aborting the signal cancels the call on
// the wire (the server then cancels its agents). Failures are AgentdError,
// an Error carrying the gRPC status code.

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

// The repository's proto/ folder; a packaged copy may pass { protoDir }.
const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const DEFAULT_TIMEOUT_MS = 30_000;

const LOADER_OPTIONS = {
  keepCase: false, // camelCase, as in the proto3 JSON mapping
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true, // ReviewEvent.event names the field that is set
};

// grpc.health.v1 is not among agentd's protos (it is gRPC's); its two
// messages are declared here, in protobuf.js JSON form, instead of vendoring
// a .proto file.
const HEALTH_DESCRIPTOR = {
  nested: {
    grpc: { nested: { health: { nested: { v1: { nested: {
      HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
      HealthCheckResponse: {
        fields: { status: { type: 'ServingStatus', id: 1 } },
        nested: {
          ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } },
        },
      },
      Health: {
        methods: {
          Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' },
        },
      },
    } } } } } },
  },
};

const STATUS_NAMES = Object.fromEntries(
  Object.entries(grpc.status).map(([name, code]) => [code, name]));

/** An RPC that failed: `code` is the numeric gRPC status, `codeName` its name. */
class AgentdError extends Error {
  constructor(code, details, { metadata, cause } = {}) {
    const codeName = STATUS_NAMES[code] || `CODE_${code}`;
    super(`${codeName}: ${details || '(no message)'}`, cause ? { cause } : undefined);
    this.name = 'AgentdError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.metadata = metadata;
  }
}

function toAgentdError(err, signal) {
  if (err instanceof AgentdError) return err;
  if (signal && signal.aborted) {
    return new AgentdError(grpc.status.CANCELLED, 'cancelled by the caller (AbortSignal)',
      { cause: signal.reason });
  }
  if (err && typeof err.code === 'number') {
    return new AgentdError(err.code, err.details, { metadata: err.metadata, cause: err });
  }
  return new AgentdError(grpc.status.UNKNOWN, String(err && err.message ? err.message : err),
    { cause: err });
}

const packageCache = new Map();

function loadPackage(protoDir) {
  let loaded = packageCache.get(protoDir);
  if (!loaded) {
    const definition = protoLoader.loadSync(
      [path.join(protoDir, 'agentd', 'v1', 'orchestrator.proto')],
      { ...LOADER_OPTIONS, includeDirs: [protoDir] });
    const health = protoLoader.fromJSON(HEALTH_DESCRIPTOR, LOADER_OPTIONS);
    // The same files through protobuf.js itself, for checking requests:
    // the serializer would silently turn a misspelt or mistyped field into
    // a default, which agentd reads as "not known".
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
    root.loadSync('agentd/v1/orchestrator.proto', { keepCase: false });
    root.resolveAll();
    loaded = {
      agentd: grpc.loadPackageDefinition(definition).agentd.v1,
      health: grpc.loadPackageDefinition(health).grpc.health.v1,
      types: root.lookup('agentd.v1'),
    };
    packageCache.set(protoDir, loaded);
  }
  return loaded;
}

// A PEM option: a file path, or the PEM itself as a Buffer.
function readPem(value, name) {
  if (value === undefined || value === null || value === '') return null;
  if (Buffer.isBuffer(value)) return value;
  try {
    return fs.readFileSync(value);
  } catch (err) {
    throw new TypeError(`${name}: cannot read ${value} (${err.code || err.message})`);
  }
}

// Plaintext unless a TLS option is given (as agentctl's --tls_ca,
// --tls_cert, --tls_key): then TLS, with a client certificate for mTLS.
function channelCredentials({ tlsCa, tlsCert, tlsKey }) {
  if (!tlsCa && !tlsCert && !tlsKey) return grpc.credentials.createInsecure();
  if (!tlsCert !== !tlsKey) throw new TypeError('tlsCert and tlsKey go together');
  return grpc.credentials.createSsl(readPem(tlsCa, 'tlsCa'), readPem(tlsKey, 'tlsKey'),
    readPem(tlsCert, 'tlsCert'));
}

class AgentdClient {
  /**
   * @param {string} address HOST:PORT
   * @param {object} [options] { token, protoDir, tlsCa, tlsCert, tlsKey, credentials,
   *   channelOptions, timeoutMs }
   */
  constructor(address, options = {}) {
    const protoDir = options.protoDir || DEFAULT_PROTO_DIR;
    const { agentd, health, types } = loadPackage(protoDir);
    this._types = types;
    const credentials = options.credentials || channelCredentials(options);
    this.address = address;
    this._token = options.token || '';
    this._timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this._stub = new agentd.Orchestrator(address, credentials, options.channelOptions);
    // Both stubs share one channel: the health stub reuses the connection.
    this._health = new health.Health(address, credentials,
      { ...options.channelOptions, channelOverride: this._stub.getChannel() });
  }

  /** Route, run, merge and store one turn. Resolves to a ReviewResponse. */
  review(text, opts = {}) {
    return this._unary(this._stub, 'Review', reviewRequest(text, opts), opts, 'ReviewRequest');
  }

  /**
   * The same turn with progress, as an async iterator of ReviewEvent, in
   * order: routed, agentStarted / agentFinished per agent, then review.
   * `event.event` names the field that is set. Breaking out of the loop
   * cancels the call.
   */
  async *streamReview(text, opts = {}) {
    throwIfAborted(opts.signal);
    const request = reviewRequest(text, opts);
    this._check('ReviewRequest', request);
    const call = this._stub.StreamReview(request, this._metadata(opts),
      this._callOptions(opts));
    const unlink = cancelOnAbort(opts.signal, call);
    let finished = false;
    try {
      for await (const event of call) yield event;
      finished = true;
    } catch (err) {
      throw toAgentdError(err, opts.signal);
    } finally {
      unlink();
      if (!finished) call.cancel(); // the caller stopped early, or it failed
    }
  }

  /** Dry run: who would answer `text`, and why. Nothing is stored. */
  route(text, opts = {}) {
    return this._unary(this._stub, 'Route', { text, agents: opts.agents || [] }, opts,
      'RouteRequest');
  }

  /** Resolves to the agent cards (an array). */
  async listAgents(opts = {}) {
    const response = await this._unary(this._stub, 'ListAgents', {}, opts);
    return response.agents;
  }

  createSession({ title = '', requirements } = {}, opts = {}) {
    return this._unary(this._stub, 'CreateSession', { title, requirements }, opts,
      'CreateSessionRequest');
  }

  /** Resolves to { session, turns, nextPageToken }. */
  getSession(sessionId, opts = {}) {
    return this._unary(this._stub, 'GetSession',
      { sessionId, pageSize: opts.pageSize || 0, pageToken: opts.pageToken || '' }, opts);
  }

  /** Resolves to { sessions, nextPageToken }, newest first. */
  listSessions(opts = {}) {
    return this._unary(this._stub, 'ListSessions', {
      pageSize: opts.pageSize || 0,
      pageToken: opts.pageToken || '',
      titleFilter: opts.titleFilter || '',
    }, opts);
  }

  async deleteSession(sessionId, opts = {}) {
    await this._unary(this._stub, 'DeleteSession', { sessionId }, opts);
  }

  /** format: 'markdown' (default) or 'json'. Resolves to { content, contentType }. */
  exportSession(sessionId, opts = {}) {
    const format = opts.format === 'json' ? 'EXPORT_FORMAT_JSON' : 'EXPORT_FORMAT_MARKDOWN';
    return this._unary(this._stub, 'ExportSession', { sessionId, format }, opts);
  }

  /** grpc.health.v1 Check of the whole server: 'SERVING', 'NOT_SERVING', … */
  async health(opts = {}) {
    const response = await this._unary(this._health, 'Check', { service: '' }, opts);
    return response.status;
  }

  /** Closes the channel; calls in flight fail with CANCELLED or UNAVAILABLE. */
  close() {
    this._stub.close();
  }

  _metadata(opts) {
    const metadata = new grpc.Metadata();
    const token = opts.token ?? this._token;
    if (token) metadata.set('authorization', `Bearer ${token}`);
    return metadata;
  }

  _callOptions(opts) {
    if (opts.deadline !== undefined) return { deadline: opts.deadline };
    const timeoutMs = opts.timeoutMs ?? this._timeoutMs;
    return Number.isFinite(timeoutMs) ? { deadline: Date.now() + timeoutMs } : {};
  }

  // Throws INVALID_ARGUMENT, before anything is sent, when `request` is not
  // an agentd.v1 `typeName`.
  _check(typeName, request) {
    if (!typeName) return;
    const problem = checkMessage(this._types.lookupType(typeName), request, 'request');
    if (problem) throw new AgentdError(grpc.status.INVALID_ARGUMENT, problem);
  }

  _unary(stub, method, request, opts, typeName) {
    return new Promise((resolve, reject) => {
      try {
        throwIfAborted(opts.signal);
        this._check(typeName, request);
      } catch (err) {
        reject(err);
        return;
      }
      let unlink = () => {};
      const call = stub[method](request, this._metadata(opts), this._callOptions(opts),
        (err, response) => {
          unlink();
          if (err) reject(toAgentdError(err, opts.signal));
          else resolve(response);
        });
      unlink = cancelOnAbort(opts.signal, call);
    });
  }
}

const NUMBER_TYPES = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32',
  'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

// Why `value` is not a `type` in the shape this client sends (camelCase
// fields, enums by name or number), or null when it is.
function checkMessage(type, value, where) {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return `${where}: expected an object`;
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = type.fields[key];
    if (!field) {
      return `${where}.${key}: no such field in ${type.fullName.slice(1)} ` +
        `(fields: ${Object.keys(type.fields).join(', ')})`;
    }
    const values = field.repeated ? fieldValue : [fieldValue];
    if (field.repeated && !Array.isArray(fieldValue)) return `${where}.${key}: expected an array`;
    for (const element of values) {
      const problem = checkField(field, element, `${where}.${key}`);
      if (problem) return problem;
    }
  }
  return null;
}

function checkField(field, value, where) {
  if (field.resolvedType instanceof protobuf.Type) return checkMessage(field.resolvedType, value, where);
  if (field.resolvedType instanceof protobuf.Enum) {
    const names = Object.keys(field.resolvedType.values);
    if (typeof value === 'string' ? names.includes(value) : Number.isInteger(value)) return null;
    return `${where}: expected one of ${names.join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (NUMBER_TYPES.has(field.type)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return `${where}: expected a number, got ${JSON.stringify(value)}`;
    }
    if (field.type !== 'double' && field.type !== 'float' && !Number.isInteger(value)) {
      return `${where}: expected an integer, got ${value}`;
    }
    return null;
  }
  if (field.type === 'bool') return typeof value === 'boolean' ? null : `${where}: expected true or false`;
  if (field.type === 'string') return typeof value === 'string' ? null : `${where}: expected a string`;
  return null; // bytes: left to the serializer
}

function reviewRequest(text, opts) {
  return {
    text,
    sessionId: opts.sessionId || '',
    agents: opts.agents || [],
    requirements: opts.requirements,
    title: opts.title || '',
  };
}

function throwIfAborted(signal) {
  if (signal && signal.aborted) {
    throw new AgentdError(grpc.status.CANCELLED, 'cancelled by the caller (AbortSignal)',
      { cause: signal.reason });
  }
}

// Returns the function that detaches the listener once the call is over.
function cancelOnAbort(signal, call) {
  if (!signal) return () => {};
  const onAbort = () => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** A client for agentd at `address` (HOST:PORT). No connection is made until the first call. */
function connect(address, options = {}) {
  return new AgentdClient(address, options);
}

module.exports = {
  connect,
  AgentdClient,
  AgentdError,
  status: grpc.status,
  DEFAULT_PROTO_DIR,
};
