'use strict';

const http = require('node:http');

/**
 * Stands in for Zapier's hook URLs: records each POST and answers by path. A script gives the
 * status per attempt (`[500, 200]`), with headers (`{ status: 429, headers: { 'retry-after': '1' } }`).
 */
class Receiver {
  constructor() {
    this.requests = [];
    this.scripts = new Map();
    this.server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url;
        const received = { path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() };
        this.requests.push(received);
        const script = this.scripts.get(path) || [200];
        const count = this.requests.filter((item) => item.path === path).length;
        const step = script[Math.min(count, script.length) - 1];
        const answer = typeof step === 'number' ? { status: step, headers: {} } : step;
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.status >= 400 ? 'no' : 'ok');
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  on(path) {
    return this.requests.filter((item) => item.path === path);
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Polls until `check` returns a truthy value. */
async function eventually(check, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

module.exports = { Receiver, eventually };
