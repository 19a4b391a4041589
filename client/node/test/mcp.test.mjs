// `agentctl mcp` end to end: the official MCP TypeScript SDK client spawns the
// bridge over stdio against a real agentd; a raw stdio peer sends what a
// broken client might.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const require = createRequire(import.meta.url);
const {
  AgentdProcess, agentsAndPluginsWith, eventually, makeCertificates, AGENTCTL, FLASH_SALE,
} = require('./agentd_process.js');

async function connectBridge(server, env = {}, extraArgs = []) {
  // The SDK transport waits forever on a binary it could not start.
  fs.accessSync(AGENTCTL, fs.constants.X_OK);
  const transport = new StdioClientTransport({
    command: AGENTCTL,
    args: [`--server=${server}`, '--timeout=20s', ...extraArgs, 'mcp'],
    stderr: 'pipe', // the bridge logs there; stdout is the protocol
    env,
  });
  const stderr = [];
  transport.stderr.on('data', (chunk) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'agentd-node-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr };
}

function textOf(result) {
  assert.equal(result.content[0].type, 'text');
  return result.content[0].text;
}

describe('agentctl mcp with the MCP SDK client', () => {
  let server;
  let client;
  let stderr;

  before(async () => {
    server = await new AgentdProcess().start();
    ({ client, stderr } = await connectBridge(server.address));
  });

  after(async () => {
    if (client) await client.close();
    if (server) await server.stop();
  });

  it('initializes and names itself', () => {
    assert.equal(client.getServerVersion().name, 'agentd');
    assert.ok(client.getServerCapabilities().tools);
    assert.match(client.getInstructions(), /review/);
    assert.ok(stderr.join('').includes('serving MCP on stdio'), stderr.join(''));
  });

  it('lists the three tools with input and output schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['review', 'route', 'list_agents']);
    const review = tools[0];
    assert.deepEqual(review.inputSchema.required, ['text']);
    assert.ok(review.inputSchema.properties.session_id);
    assert.ok(review.inputSchema.properties.agents);
    assert.equal(review.outputSchema.type, 'object');
  });

  it('review returns the markdown and the structured review, and follows up', async () => {
    const first = await client.callTool({ name: 'review', arguments: { text: FLASH_SALE } });
    assert.equal(first.isError, false);
    assert.match(textOf(first), /^## Backend Architecture Review/);
    assert.match(textOf(first), /### Architecture Pattern/);
    const structured = first.structuredContent;
    assert.ok(structured.sessionId);
    assert.equal(structured.turn, 1);
    assert.equal(structured.review.markdown.split('\n')[0], '## Backend Architecture Review');
    assert.ok(structured.review.decisions.some((d) => d.key === 'architecture.pattern'));

    const second = await client.callTool({
      name: 'review',
      arguments: { text: 'And how should we cache?', session_id: structured.sessionId,
        agents: ['backend-architect'], requirements: { teamSize: 6 } },
    });
    assert.equal(second.isError, false);
    assert.equal(second.structuredContent.sessionId, structured.sessionId);
    assert.equal(second.structuredContent.turn, 2);
  });

  it('route says who would answer and why', async () => {
    const result = await client.callTool({
      name: 'route', arguments: { text: 'How should we version our REST API and paginate it?' },
    });
    assert.equal(result.isError, false);
    assert.equal(result.structuredContent.selected[0].agent, 'api-architect');
    assert.match(textOf(result), /api-architect/);
  });

  it('list_agents lists the hosted agents', async () => {
    const result = await client.callTool({ name: 'list_agents', arguments: {} });
    assert.deepEqual(result.structuredContent.agents.map((a) => a.name).sort(), [
      'api-architect', 'backend-architect', 'database-architect', 'devops-specialist',
      'sre-specialist']);
    assert.match(textOf(result), /backend-architect/);
  });

  it('a bad call is a protocol error; an agentd error is a tool result', async () => {
    await assert.rejects(client.callTool({ name: 'deploy', arguments: {} }), (err) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32602);
      assert.match(err.message, /Unknown tool: deploy/);
      return true;
    });
    await assert.rejects(client.callTool({ name: 'review', arguments: { session_id: 'x' } }),
      (err) => err instanceof McpError && err.code === -32602 && /'text'/.test(err.message));

    const missing = await client.callTool({
      name: 'review', arguments: { text: 'hello', session_id: 'no-such-session' },
    });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /^agentd error: NOT_FOUND: /);
    // The bridge is still there.
    await client.ping();
  });
});

describe('agentctl mcp with a slow agent', () => {
  let tmp;
  let marker;
  let started;
  let server;
  let client;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-mcp-slow-'));
    marker = path.join(tmp, 'cancelled');
    started = path.join(tmp, 'started');
    const slow = [
      '---', 'name: slow-agent', 'description: A test agent that takes its time.',
      'plugin: test_agent', 'mode: sleep', 'sleep_ms: "60000"', 'timeout_ms: 60000',
      `cancel_marker: "${marker}"`, `start_marker: "${started}"`, 'sections: [slow_notes]', '---', '# Slow agent', '',
    ].join('\n');
    const { agentsDir, pluginsDir } = agentsAndPluginsWith(tmp, { 'slow-agent.md': slow });
    server = await new AgentdProcess({ agentsDir, pluginsDir }).start();
    ({ client } = await connectBridge(server.address));
  });

  after(async () => {
    if (client) await client.close();
    if (server) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers ping while a review runs, and cancelling it cancels the agent', async () => {
    const controller = new AbortController();
    const review = client.callTool(
      { name: 'review', arguments: { text: FLASH_SALE, agents: ['slow-agent'] } },
      undefined, { signal: controller.signal });
    review.catch(() => {}); // awaited below
    // The review would take a minute; these are answered meanwhile.
    await client.ping();
    const { tools } = await client.listTools();
    assert.equal(tools.length, 3);
    // The SDK sends notifications/cancelled; the bridge cancels the gRPC call
    // and agentd cancels the agent, which leaves its marker.
    // Cancel a call known to be running in the agent, not one still queued.
    assert.ok(await eventually(() => fs.existsSync(started)), 'the slow agent never started');
    controller.abort('the user pressed Stop');
    await assert.rejects(review);
    assert.ok(await eventually(() => fs.existsSync(marker)),
      'the plugin never saw the cancel token');
    const agents = await client.callTool({ name: 'list_agents', arguments: {} });
    assert.equal(agents.isError, false);
  });
});

describe('agentctl mcp with a bearer token', () => {
  it('passes AGENTD_TOKEN from its environment, as the config snippet does', async () => {
    const server = await new AgentdProcess({ extraArgs: ['--token=s3cret'] }).start();
    const bridges = [];
    try {
      const { client: anonymous } = await connectBridge(server.address);
      bridges.push(anonymous);
      const refused = await anonymous.callTool({ name: 'list_agents', arguments: {} });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /^agentd error: UNAUTHENTICATED: /);

      const { client: member } = await connectBridge(server.address, { AGENTD_TOKEN: 's3cret' });
      bridges.push(member);
      const agents = await member.callTool({ name: 'list_agents', arguments: {} });
      assert.equal(agents.isError, false);
      assert.equal(agents.structuredContent.agents.length, 5);
    } finally {
      for (const bridge of bridges) await bridge.close();
      await server.stop();
    }
  });
});

describe('agentctl mcp with agentd down', () => {
  it('answers isError UNAVAILABLE and keeps running', async () => {
    const { client } = await connectBridge('127.0.0.1:1');
    try {
      const result = await client.callTool({ name: 'list_agents', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /UNAVAILABLE: cannot reach agentd at 127\.0\.0\.1:1/);
      await client.ping();
      const { tools } = await client.listTools();
      assert.equal(tools.length, 3);
    } finally {
      await client.close();
    }
  });
});

describe('agentctl mcp with a misbehaving peer', () => {
  it('answers malformed, oversized and unknown messages, then serves on', async () => {
    const bridge = spawn(AGENTCTL, ['--server=127.0.0.1:1', 'mcp'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const logs = [];
    bridge.stderr.on('data', (chunk) => logs.push(chunk.toString()));
    const replies = readline.createInterface({ input: bridge.stdout })[Symbol.asyncIterator]();
    const exchange = async (line) => {
      bridge.stdin.write(`${line}\n`);
      const { value } = await replies.next();
      return JSON.parse(value);
    };
    try {
      assert.equal((await exchange('{"jsonrpc":"2.0","id":1,"method":')).error.code, -32700);
      assert.equal((await exchange('[{"jsonrpc":"2.0","id":1,"method":"ping"}]')).error.code, -32600);
      const unknown = await exchange('{"jsonrpc":"2.0","id":"u","method":"resources/list"}');
      assert.equal(unknown.id, 'u');
      assert.equal(unknown.error.code, -32601);
      // Two MiB on one line: over the 1 MiB limit, skipped without being kept.
      const huge = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping',
        params: { pad: 'x'.repeat(2 << 20) } });
      const oversized = await exchange(huge);
      assert.equal(oversized.error.code, -32600);
      assert.match(oversized.error.message, /exceeds the limit/);
      // A notification gets no reply, so the next reply is the ping's.
      bridge.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
      const pong = await exchange('{"jsonrpc":"2.0","id":3,"method":"ping"}');
      assert.deepEqual(pong, { jsonrpc: '2.0', id: 3, result: {} });
      assert.match(logs.join(''), /skipped a message of \d+ bytes/);
    } finally {
      bridge.stdin.end(); // end of input: the bridge exits 0
      const [code] = await once(bridge, 'exit');
      assert.equal(code, 0);
    }
  });
});

describe('agentctl mcp over mTLS', () => {
  let server;
  let dir;
  let certs;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-mcp-certs-'));
    certs = makeCertificates(dir);
    server = await new AgentdProcess({
      extraArgs: [`--tls_cert=${certs.server.cert}`, `--tls_key=${certs.server.key}`,
        `--tls_client_ca=${certs.ca.cert}`],
      clientOptions: { tlsCa: certs.ca.cert, tlsCert: certs.client.cert, tlsKey: certs.client.key },
    }).start();
  });

  after(async () => {
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes --tls_ca, --tls_cert and --tls_key like agentctl', async () => {
    const { client } = await connectBridge(server.address, {}, [`--tls_ca=${certs.ca.cert}`,
      `--tls_cert=${certs.client.cert}`, `--tls_key=${certs.client.key}`]);
    try {
      const result = await client.callTool({ name: 'review', arguments: { text: FLASH_SALE } });
      assert.equal(result.isError, false, textOf(result));
      assert.equal(result.structuredContent.turn, 1);
    } finally {
      await client.close();
    }
  });

  it('without a client certificate the tool call fails with UNAVAILABLE', async () => {
    const { client } = await connectBridge(server.address, {}, [`--tls_ca=${certs.ca.cert}`]);
    try {
      const result = await client.callTool({ name: 'list_agents', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /UNAVAILABLE/);
    } finally {
      await client.close();
    }
  });
});
