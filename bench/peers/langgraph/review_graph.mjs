// The peer in agentd's load benchmark: the five-agent review that agentd
// serves, built the way a LangGraph.js user would build it.
//
//   node review_graph.mjs --sections=FILE --db=FILE --requests=N --warmup=N --in_flight=16
//
// A StateGraph with a router node, five agent nodes that run in one superstep
// and return canned sections, and a merge node; every invocation is its own
// thread, checkpointed by SqliteSaver into --db. The canned sections come from
// a real agentd review (FILE is JSON: {agent: [{id, heading, body}, ...]}), so
// each agent hands back what the bundled agent of that name says, byte for
// byte. Prints one JSON line: requests/s and latency percentiles in ms, and
// how many threads the checkpointer holds afterwards (the run's own check).

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";

const { values: opts } = parseArgs({
  options: {
    sections: { type: "string" },
    db: { type: "string" },
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
    in_flight: { type: "string", default: "16" },
    text: { type: "string", default: "" },
  },
});
if (!opts.sections || !opts.db) {
  console.error("usage: review_graph.mjs --sections=FILE --db=FILE [--requests=N] [--warmup=N] [--in_flight=N]");
  process.exit(2);
}
const canned = JSON.parse(readFileSync(opts.sections, "utf8"));
const agents = Object.keys(canned);

const ReviewState = Annotation.Root({
  request: Annotation(),
  selected: Annotation(),
  outputs: Annotation({ reducer: (have, more) => have.concat(more), default: () => [] }),
  review: Annotation(),
});

// The router: every agent whose name the request mentions, as agentd's
// benchmark request names all five.
function route(state) {
  const text = state.request.toLowerCase();
  const selected = agents.filter((a) => text.includes(a.split("-")[0]));
  return { selected: selected.length ? selected : agents };
}

function agentNode(name) {
  return async () => ({ outputs: [{ agent: name, sections: canned[name] }] });
}

function merge(state) {
  const lines = ["# Architecture Review", ""];
  for (const { agent, sections } of state.outputs) {
    for (const s of sections) lines.push(`## ${s.heading} (${agent})`, "", s.body, "");
  }
  return { review: lines.join("\n") };
}

const builder = new StateGraph(ReviewState).addNode("router", route).addNode("merge", merge);
for (const a of agents) builder.addNode(a, agentNode(a)).addEdge(a, "merge");
builder
  .addEdge(START, "router")
  .addConditionalEdges("router", (s) => s.selected, agents)
  .addEdge("merge", END);
const checkpointer = SqliteSaver.fromConnString(opts.db);
const graph = builder.compile({ checkpointer });

const request =
  opts.text ||
  "Review the backend architecture, the api versioning, the database schema, the devops deployment and the sre SLOs.";
let nextThread = 0;

async function one() {
  const thread = `t${nextThread++}`;
  const t0 = performance.now();
  const out = await graph.invoke({ request }, { configurable: { thread_id: thread } });
  if (out.outputs.length !== agents.length || !out.review) throw new Error(`thread ${thread}: incomplete review`);
  return performance.now() - t0;
}

async function drive(total, inFlight) {
  const latencies = [];
  let issued = 0;
  async function worker() {
    while (issued < total) {
      issued++;
      latencies.push(await one());
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { seconds: (performance.now() - t0) / 1000, latencies };
}

function percentile(sorted, q) {
  const rank = Math.max(1, Math.ceil((sorted.length * q) / 100));
  return sorted[rank - 1];
}

const inFlight = Number(opts.in_flight);
await drive(Number(opts.warmup), inFlight);
const run = await drive(Number(opts.requests), inFlight);
const sorted = run.latencies.sort((a, b) => a - b);
const threads = checkpointer.db.prepare("SELECT count(DISTINCT thread_id) AS n FROM checkpoints").get().n;
console.log(
  JSON.stringify({
    requests: sorted.length,
    rps: sorted.length / run.seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    threads,
    agents: agents.length,
  }),
);
