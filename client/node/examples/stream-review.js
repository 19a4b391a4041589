#!/usr/bin/env node
'use strict';
// Stream a review from agentd and show progress as it arrives: the pattern
// an IDE extension backend copies (progress in a status bar, the review in a
// panel, a Cancel button wired to an AbortController).
//
//   node examples/stream-review.js [--server=HOST:PORT] "your question"
//
// Ctrl-C cancels the review on the server as well.
const { connect } = require('..'); // in your extension: require('@agentd/client')

async function main() {
  const args = process.argv.slice(2);
  const serverFlag = args.find((a) => a.startsWith('--server='));
  const address = serverFlag ? serverFlag.slice('--server='.length)
    : process.env.AGENTD_ADDR || '127.0.0.1:50051';
  const question = args.filter((a) => a !== serverFlag).join(' ') ||
    'We need to handle 10,000 orders per minute during flash sales. ' +
    'Should we use microservices or a monolith?';

  const agentd = connect(address, { token: process.env.AGENTD_TOKEN });
  const cancel = new AbortController();
  process.once('SIGINT', () => cancel.abort());

  try {
    for await (const event of agentd.streamReview(question,
      { signal: cancel.signal, timeoutMs: 60_000 })) {
      switch (event.event) {
        case 'routed':
          console.error(`routed: ${event.routed.summary}`);
          break;
        case 'agentStarted':
          console.error(`… ${event.agentStarted.agent} is working`);
          break;
        case 'agentFinished': {
          const run = event.agentFinished.run;
          console.error(`✓ ${run.agent}: ${run.status.replace('AGENT_STATUS_', '').toLowerCase()}` +
            ` in ${run.latencyMs.toFixed(1)} ms${run.error ? ` (${run.error})` : ''}`);
          break;
        }
        case 'review':
          console.log(event.review.review.markdown);
          console.error(`session ${event.review.sessionId}, turn ${event.review.turn}`);
          break;
      }
    }
  } catch (err) {
    // err.code is the gRPC status code (err.codeName its name).
    console.error(`review failed: ${err.message}`);
    process.exitCode = 1;
  } finally {
    agentd.close();
  }
}

main();
