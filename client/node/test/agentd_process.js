'use strict';
// Starts the real agentd binary for a test: a free port, a temporary
// database, health polled until SERVING (never a sleep-and-hope). The build
// folder comes from $AGENTD_BUILD_DIR (ctest sets it), else ../../build.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { setTimeout } = require('node:timers/promises');
const { connect } = require('..');

const BUILD_DIR = process.env.AGENTD_BUILD_DIR || path.resolve(__dirname, '..', '..', '..', 'build');
const AGENTD = path.join(BUILD_DIR, 'bin', 'agentd');
const AGENTCTL = path.join(BUILD_DIR, 'bin', 'agentctl');
const PLUGINS = path.join(BUILD_DIR, 'lib', 'agentd', 'plugins');
const TEST_PLUGINS = path.join(BUILD_DIR, 'tests', 'plugins');
const AGENTS = path.join(BUILD_DIR, 'share', 'agentd', 'agents');

const FLASH_SALE = 'We need to handle 10,000 orders per minute during flash sales. ' +
  'Should we use microservices or a monolith?';

class AgentdProcess {
  // clientOptions: what connect() gets for this.client (TLS files, token).
  constructor({ agentsDir = AGENTS, pluginsDir = PLUGINS, extraArgs = [], clientOptions = {} } = {}) {
    this.clientOptions = clientOptions;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-node-'));
    this.logPath = path.join(this.tmp, 'agentd.log');
    this.args = [
      '--listen=127.0.0.1:0',
      `--db=${path.join(this.tmp, 'agentd.db')}`,
      `--agents_dir=${agentsDir}`,
      `--plugins_dir=${pluginsDir}`,
      '--log_format=json',
      ...extraArgs,
    ];
  }

  async start({ timeoutMs = 30_000 } = {}) {
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(AGENTD, this.args, { stdio: ['ignore', 'pipe', log] });
    // Should the test process die without stop(), do not leave agentd behind.
    const killOnExit = () => this.proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.proc.once('exit', () => process.removeListener('exit', killOnExit));
    fs.closeSync(log);
    // A binary that cannot be started emits 'error' and maybe never 'exit'.
    const exited = new Promise((resolve) => {
      this.proc.once('exit', resolve);
      this.proc.once('error', (err) => {
        this.spawnError = err;
        resolve();
      });
    });
    // The first stdout line is "agentd listening on HOST:PORT", or EOF on failure.
    const lines = readline.createInterface({ input: this.proc.stdout });
    const first = await Promise.race([
      new Promise((resolve) => lines.once('line', resolve)),
      exited.then(() => null),
    ]);
    if (!first || !first.startsWith('agentd listening on ')) {
      throw new Error(`agentd (${AGENTD}) did not start: ` +
        `${this.spawnError ? this.spawnError.message : JSON.stringify(first)}\n${this.log()}`);
    }
    this.address = first.split(' ').pop();
    this.client = connect(this.address, this.clientOptions);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await this.client.health({ timeoutMs: 1000 }) === 'SERVING') break;
      } catch (err) {
        // not up yet: poll again until the deadline
      }
      if (Date.now() > deadline || this.proc.exitCode !== null) {
        throw new Error(`agentd never became SERVING:\n${this.log()}`);
      }
    }
    return this;
  }

  log() {
    return fs.existsSync(this.logPath) ? fs.readFileSync(this.logPath, 'utf8') : '';
  }

  async stop() {
    if (this.client) this.client.close();
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      // A binary that cannot be started emits 'error' and maybe never 'exit'.
    const exited = new Promise((resolve) => {
      this.proc.once('exit', resolve);
      this.proc.once('error', (err) => {
        this.spawnError = err;
        resolve();
      });
    });
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

// An agents folder with the bundled definitions (and their routing examples)
// plus `extra` ({file: text}),
// and a plugins folder with the bundled plugins plus the test plugins.
function agentsAndPluginsWith(tmp, extra) {
  const agentsDir = path.join(tmp, 'agents');
  const pluginsDir = path.join(tmp, 'plugins');
  fs.cpSync(AGENTS, agentsDir, { recursive: true });
  fs.mkdirSync(pluginsDir);
  for (const [name, text] of Object.entries(extra)) {
    fs.writeFileSync(path.join(agentsDir, name), text);
  }
  for (const folder of [PLUGINS, TEST_PLUGINS]) {
    for (const name of fs.readdirSync(folder)) {
      if (name.endsWith('.so')) fs.symlinkSync(path.join(folder, name), path.join(pluginsDir, name));
    }
  }
  return { agentsDir, pluginsDir };
}

// Test certificates, made with the openssl CLI in `dir`: ca, server (SAN
// 127.0.0.1 and localhost) and client (CN alice-svc), each NAME.pem and
// NAME.key. Returns their paths.
function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=agentd test CA');
  const signed = (name, cn, extensions) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  signed('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  signed('client', 'alice-svc', 'extendedKeyUsage=clientAuth');
  const files = {};
  for (const name of ['ca', 'server', 'client']) {
    files[name] = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  }
  return files;
}

// Polls `condition` until it holds or `timeoutMs` passes; returns whether it held.
async function eventually(condition, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await setTimeout(10); // the poll interval, not a wait for the outcome
  }
  return condition();
}

module.exports = {
  AgentdProcess, agentsAndPluginsWith, eventually, makeCertificates, BUILD_DIR, AGENTCTL, FLASH_SALE,
};
