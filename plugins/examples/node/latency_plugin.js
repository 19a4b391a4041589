'use strict';
// latency-budget: an agentd plugin in Node.js, run as a plugin process
// (docs/plugins.md). agentd starts it from latency-budget.md's `command:`
// with AGENTD_PLUGIN_ADDRESS (a unix: address to serve on) in its
// environment; it serves the AgentPlugin gRPC service and grpc.health.v1
// there with @grpc/grpc-js, loading agentd's .proto files at run time with
// @grpc/proto-loader (AGENTD_PROTO_DIR, default the repository's proto/).
// `npm ci` in this folder installs both from package-lock.json.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = process.env.AGENTD_PROTO_DIR || path.resolve(__dirname, '..', '..', '..', 'proto');
// Of the latency target, the share each hop may spend; the rest is slack
// for retries and queueing.
const SPENDABLE = 0.8;

const definition = protoLoader.loadSync('agentd/v1/plugin.proto', {
  includeDirs: [PROTO_DIR],
  keepCase: true, // field names as in the .proto: the host reads the bytes, not the names
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).agentd.v1;

// The agent's answer: the caller's p99 latency target split across the
// services a request passes through.
function budget(request) {
  const needs = request.requirements || {};
  const answer = { agent: request.agent, summary: 'A latency budget from the stated target.', questions: [] };
  const items = [];
  const target = needs.latency_p99_ms;
  const hops = needs.planned_services;
  if (target === undefined || target === null) {
    answer.questions.push({ text: 'What p99 latency must a request meet, in milliseconds?' });
  } else if (hops === undefined || hops === null || hops < 1) {
    answer.questions.push({ text: 'How many services does one request pass through?' });
    items.push({ text: `A p99 target of ${target} ms: keep ${Math.round(target * (1 - SPENDABLE))} ms of it as slack for retries and queueing.`, facts: ['latency_p99_ms'] });
  } else {
    const perHop = Math.floor((target * SPENDABLE) / hops);
    items.push({
      text: `Give each of the ${hops} services at most ${perHop} ms at p99 (${SPENDABLE * 100}% of ${target} ms split evenly), and set each call's timeout from what is left of the request's deadline.`,
      facts: ['latency_p99_ms', 'planned_services'],
    });
  }
  answer.sections = [{ id: 'latency_budget', heading: 'Latency Budget', items }];
  return answer;
}

function handle(call) {
  call.write({ progress: 'splitting the target ' });
  if (call.cancelled) return; // the caller went away or the deadline passed
  call.write({ response: budget(call.request) });
  call.end();
}

function describe(call, callback) {
  callback(null, {
    name: 'latency_budget', version: '1.0', sections: ['latency_budget'],
    capabilities: { progress: true },
  });
}

// grpc.health.v1.Health/Check, SERVING: HealthCheckResponse{status: 1} is the two bytes 08 01.
const HEALTH = {
  Check: {
    path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
    requestSerialize: (b) => b, requestDeserialize: (b) => b,
    responseSerialize: (b) => b, responseDeserialize: (b) => b,
  },
};

function main() {
  const address = process.env.AGENTD_PLUGIN_ADDRESS;
  if (!address) {
    console.error('AGENTD_PLUGIN_ADDRESS is not set: agentd starts this program (docs/plugins.md)');
    process.exit(2);
  }
  const server = new grpc.Server();
  server.addService(v1.AgentPlugin.service, { Describe: describe, Handle: handle });
  server.addService(HEALTH, { Check: (call, callback) => callback(null, Buffer.from([0x08, 0x01])) });
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => {
    if (error) {
      console.error(`cannot serve on ${address}: ${error.message}`);
      process.exit(1);
    }
    console.error(`latency-budget serving for agent ${process.env.AGENTD_PLUGIN_AGENT || '?'}`);
  });
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}

main();
