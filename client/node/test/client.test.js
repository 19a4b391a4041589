'use strict';
// @agentd/client against the real agentd binary (node --test).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const execFile = promisify(require('node:child_process').execFile);
const { describe, it, before, after } = require('node:test');

const { connect, AgentdError, status } = require('..');
const {
  AgentdProcess, agentsAndPluginsWith, eventually, makeCertificates, FLASH_SALE,
} = require('./agentd_process');

describe('agentd with the bundled agents', () => {
  let server;
  let agentd;

  before(async () => {
    server = await new AgentdProcess().start();
    agentd = connect(server.address);
  });

  after(async () => {
    if (agentd) agentd.close();
    if (server) await server.stop();
  });

  it('reviews a question in the seed format and stores the turn', async () => {
    const response = await agentd.review(FLASH_SALE, { timeoutMs: 10_000 });
    assert.ok(response.sessionId);
    assert.equal(response.turn, 1);
    assert.match(response.review.markdown, /^## Backend Architecture Review/);
    assert.match(response.review.markdown, /### Architecture Pattern/);
    assert.equal(response.route.selected[0].agent, 'backend-architect');
    const pattern = response.review.decisions.find((d) => d.key === 'architecture.pattern');
    assert.ok(['monolith', 'modular_monolith', 'microservices'].includes(pattern.value), pattern.value);

    const { session, turns } = await agentd.getSession(response.sessionId);
    assert.equal(session.turnCount, 1);
    assert.equal(turns[0].request.text, FLASH_SALE);
    const { sessions } = await agentd.listSessions();
    assert.ok(sessions.some((s) => s.id === response.sessionId));
    const exported = await agentd.exportSession(response.sessionId, { format: 'json' });
    assert.equal(exported.contentType, 'application/json');
    assert.equal(JSON.parse(exported.content).session.id, response.sessionId);
    await agentd.deleteSession(response.sessionId);
    await assert.rejects(agentd.getSession(response.sessionId),
      (err) => err instanceof AgentdError && err.code === status.NOT_FOUND);
  });

  it('follows up in a session with structured requirements', async () => {
    const first = await agentd.review('Should we split our monolith into microservices?',
      { requirements: { teamSize: 40, teamCount: 6 }, title: 'split' });
    const second = await agentd.review('What about caching?', { sessionId: first.sessionId });
    assert.equal(second.sessionId, first.sessionId);
    assert.equal(second.turn, 2);
  });

  it('streams events in order: routed, agent started/finished, review', async () => {
    const kinds = [];
    const started = new Set();
    let review;
    for await (const event of agentd.streamReview(FLASH_SALE)) {
      kinds.push(event.event);
      if (event.event === 'agentStarted') started.add(event.agentStarted.agent);
      if (event.event === 'agentFinished') {
        assert.ok(started.has(event.agentFinished.agent), 'finished before it started');
      }
      if (event.event === 'review') review = event.review;
    }
    assert.equal(kinds[0], 'routed');
    assert.equal(kinds.at(-1), 'review');
    assert.equal(kinds.filter((k) => k === 'review').length, 1);
    assert.ok(kinds.includes('agentStarted') && kinds.includes('agentFinished'), kinds.join());
    assert.equal(kinds.filter((k) => k === 'agentStarted').length,
      kinds.filter((k) => k === 'agentFinished').length);
    assert.match(review.review.markdown, /## Backend Architecture Review/);
  });

  it('the example prints progress on stderr and the review on stdout', async () => {
    const example = path.join(__dirname, '..', 'examples', 'stream-review.js');
    const { stdout, stderr } = await execFile(process.execPath,
      [example, `--server=${server.address}`, FLASH_SALE], { timeout: 60_000 });
    const progress = stderr.split('\n');
    assert.match(progress[0], /^routed: /);
    assert.ok(progress.some((l) => /^… backend-architect is working$/.test(l)), stderr);
    assert.ok(progress.some((l) => /^✓ backend-architect: ok in /.test(l)), stderr);
    assert.match(stdout, /^## Backend Architecture Review/);
    assert.match(stderr, /session [0-9a-f-]+, turn 1/);
  });

  it('routes without storing, and lists the hosted agents', async () => {
    const decision = await agentd.route('How should we version our REST API and paginate it?');
    assert.equal(decision.selected[0].agent, 'api-architect');
    assert.ok(decision.selected[0].reasons.length > 0);
    const agents = await agentd.listAgents();
    assert.deepEqual(agents.map((a) => a.name).sort(), [
      'api-architect', 'backend-architect', 'database-architect', 'devops-specialist',
      'sre-specialist']);
    assert.equal(agents.find((a) => a.name === 'backend-architect').stub, false);
  });

  it('rejects bad input with INVALID_ARGUMENT as an AgentdError', async () => {
    await assert.rejects(agentd.review(''), (err) => {
      assert.ok(err instanceof AgentdError);
      assert.ok(err instanceof Error);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.equal(err.codeName, 'INVALID_ARGUMENT');
      assert.match(err.message, /^INVALID_ARGUMENT: /);
      return true;
    });
    await assert.rejects(agentd.review('hello', { sessionId: 'no-such-session' }),
      (err) => err.code === status.NOT_FOUND);
  });

  it('rejects oversized input: the text limit of agentd, then the gRPC message limit', async () => {
    await assert.rejects(agentd.review('x'.repeat(100 * 1024)), (err) =>
      err.code === status.INVALID_ARGUMENT && /over the limit/.test(err.details));
    await assert.rejects(agentd.review('y'.repeat(5 << 20)),
      (err) => err instanceof AgentdError && err.code === status.RESOURCE_EXHAUSTED);
    assert.equal(await agentd.health(), 'SERVING');
  });

  it('refuses malformed requests before sending them', async () => {
    const cases = [
      [{ requirements: { teamSize: 'lots' } }, /requirements\.teamSize: expected a number/],
      [{ requirements: { teamSise: 3 } }, /requirements\.teamSise: no such field/],
      [{ requirements: { cloud: 'AZURE_X' } }, /requirements\.cloud: expected one of/],
      [{ agents: 'backend-architect' }, /request\.agents: expected an array/],
    ];
    for (const [opts, reason] of cases) {
      await assert.rejects(agentd.review(FLASH_SALE, opts), (err) =>
        err.code === status.INVALID_ARGUMENT && reason.test(err.message));
    }
    await assert.rejects(agentd.review(42), (err) => err.code === status.INVALID_ARGUMENT);
    await assert.rejects(agentd.streamReview(FLASH_SALE, { requirements: { peakRps: '9' } }).next(),
      (err) => err.code === status.INVALID_ARGUMENT);
    // Well-formed requirements reach agentd and win over the text.
    const { review } = await agentd.review(FLASH_SALE,
      { requirements: { teamSize: 4, domainClarity: 'DOMAIN_CLARITY_UNCLEAR', bursty: true } });
    assert.equal(review.requirements.teamSize, 4);
    assert.equal(review.requirements.domainClarity, 'DOMAIN_CLARITY_UNCLEAR');
  });

  it('reports a server that is not there as UNAVAILABLE', async () => {
    const nowhere = connect('127.0.0.1:1');
    try {
      await assert.rejects(nowhere.listAgents({ timeoutMs: 5000 }),
        (err) => err instanceof AgentdError && err.code === status.UNAVAILABLE);
    } finally {
      nowhere.close();
    }
  });

  it('an AbortSignal aborted before the call fails it at once', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(agentd.review(FLASH_SALE, { signal: controller.signal }),
      (err) => err.code === status.CANCELLED);
    const stream = agentd.streamReview(FLASH_SALE, { signal: controller.signal });
    await assert.rejects(stream.next(), (err) => err.code === status.CANCELLED);
  });
});

describe('agentd with a slow agent', () => {
  let tmp;
  let marker;
  let server;
  let agentd;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-node-slow-'));
    marker = path.join(tmp, 'cancelled');
    // Works for a minute unless cancelled; its own timeout is longer than any
    // deadline below, so only the caller's deadline or cancel can stop it.
    const slow = [
      '---', 'name: slow-agent', 'description: A test agent that takes its time.',
      'plugin: test_agent', 'mode: sleep', 'sleep_ms: "60000"', 'timeout_ms: 60000',
      `cancel_marker: "${marker}"`, 'sections: [slow_notes]', '---', '# Slow agent', '',
    ].join('\n');
    const { agentsDir, pluginsDir } = agentsAndPluginsWith(tmp, { 'slow-agent.md': slow });
    server = await new AgentdProcess({ agentsDir, pluginsDir }).start();
    agentd = connect(server.address);
  });

  after(async () => {
    if (agentd) agentd.close();
    if (server) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the deadline reaches the server: a partial review by then, or DEADLINE_EXCEEDED', async () => {
    // slow-agent would work for a minute; only the caller's deadline, passed
    // to the server, can make agentd give up on it this early.
    const started = Date.now();
    try {
      const response = await agentd.review(FLASH_SALE,
        { agents: ['slow-agent', 'backend-architect'], timeoutMs: 1500 });
      assert.equal(response.review.partial, true);
      const runs = Object.fromEntries(response.review.agents.map((a) => [a.agent, a.status]));
      assert.equal(runs['slow-agent'], 'AGENT_STATUS_TIMED_OUT');
      assert.equal(runs['backend-architect'], 'AGENT_STATUS_OK');
    } catch (err) {
      // On a loaded machine the reply may lose the race with the deadline.
      assert.ok(err instanceof AgentdError, String(err));
      assert.equal(err.code, status.DEADLINE_EXCEEDED, err.message);
    }
    assert.ok(Date.now() - started < 30_000);
  });

  it('a deadline that has expired fails with DEADLINE_EXCEEDED', async () => {
    await assert.rejects(
      agentd.review(FLASH_SALE, { agents: ['slow-agent'], deadline: new Date(Date.now() - 1) }),
      (err) => err instanceof AgentdError && err.code === status.DEADLINE_EXCEEDED);
    const stream = agentd.streamReview(FLASH_SALE, { agents: ['slow-agent'], timeoutMs: 0 });
    await assert.rejects(async () => { for await (const _ of stream); },
      (err) => err.code === status.DEADLINE_EXCEEDED);
    assert.equal(await agentd.health(), 'SERVING');
  });

  it('aborting mid-stream cancels the call and the agent', async () => {
    fs.rmSync(marker, { force: true });
    const controller = new AbortController();
    const kinds = [];
    await assert.rejects(async () => {
      for await (const event of agentd.streamReview(FLASH_SALE,
        { agents: ['slow-agent'], signal: controller.signal })) {
        kinds.push(event.event);
        if (event.event === 'agentStarted') controller.abort();
      }
    }, (err) => err instanceof AgentdError && err.code === status.CANCELLED);
    assert.deepEqual(kinds, ['routed', 'agentStarted']);
    assert.ok(await eventually(() => fs.existsSync(marker)),
      'the plugin never saw the cancel token');
    assert.equal(await agentd.health(), 'SERVING');
  });

  it('breaking out of the loop cancels the call too', async () => {
    fs.rmSync(marker, { force: true });
    for await (const event of agentd.streamReview(FLASH_SALE, { agents: ['slow-agent'] })) {
      if (event.event === 'agentStarted') break;
    }
    assert.ok(await eventually(() => fs.existsSync(marker)),
      'the plugin never saw the cancel token');
  });
});

describe('agentd with a bearer token', () => {
  let server;

  before(async () => {
    server = await new AgentdProcess({ extraArgs: ['--token=s3cret'] }).start();
  });

  after(async () => {
    if (server) await server.stop();
  });

  it('sends the token from connect() or per call; without it, UNAUTHENTICATED', async () => {
    const anonymous = connect(server.address);
    const wrong = connect(server.address, { token: 'guess' });
    const member = connect(server.address, { token: 's3cret' });
    try {
      await assert.rejects(anonymous.listAgents(),
        (err) => err instanceof AgentdError && err.code === status.UNAUTHENTICATED);
      await assert.rejects(wrong.route(FLASH_SALE), (err) => err.code === status.UNAUTHENTICATED);
      assert.equal((await member.listAgents()).length, 5);
      const decision = await anonymous.route(FLASH_SALE, { token: 's3cret' });
      assert.equal(decision.selected[0].agent, 'backend-architect');
      const kinds = [];
      for await (const event of member.streamReview(FLASH_SALE)) kinds.push(event.event);
      assert.equal(kinds.at(-1), 'review');
    } finally {
      anonymous.close();
      wrong.close();
      member.close();
    }
  });
});

describe('agentd over mTLS', () => {
  let server;
  let dir;
  let certs;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-node-certs-'));
    certs = makeCertificates(dir);
    const tls = { tlsCa: certs.ca.cert, tlsCert: certs.client.cert, tlsKey: certs.client.key };
    server = await new AgentdProcess({
      extraArgs: [`--tls_cert=${certs.server.cert}`, `--tls_key=${certs.server.key}`,
        `--tls_client_ca=${certs.ca.cert}`],
      clientOptions: tls,
    }).start();
  });

  after(async () => {
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects with tlsCa, tlsCert and tlsKey', async () => {
    const { sessionId } = await server.client.review(FLASH_SALE);
    const listed = await server.client.listSessions();
    assert.ok(listed.sessions.some((s) => s.id === sessionId));
  });

  it('without a client certificate, or in plaintext, the call is refused', async () => {
    const serverOnly = connect(server.address, { tlsCa: certs.ca.cert });
    const plaintext = connect(server.address);
    try {
      await assert.rejects(serverOnly.listAgents({ timeoutMs: 5000 }),
        (err) => err instanceof AgentdError && err.code === status.UNAVAILABLE);
      await assert.rejects(plaintext.listAgents({ timeoutMs: 5000 }),
        (err) => err.code === status.UNAVAILABLE);
    } finally {
      serverOnly.close();
      plaintext.close();
    }
  });

  it('takes PEM buffers too, and refuses a cert without its key', () => {
    const fromBuffers = connect(server.address, { tlsCa: fs.readFileSync(certs.ca.cert) });
    fromBuffers.close();
    assert.throws(() => connect(server.address, { tlsCert: certs.client.cert }), /tlsCert and tlsKey/);
  });
});
