/**
 * runFilters (src/proxy/filters/types.ts): filters run in order until one answers; the router
 * (terminal) answers otherwise; the response hooks of every filter that ran then run last
 * first, whether the filters answered synchronously or through a promise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFilters, type HttpFilter, type ProxyResponse, type RequestContext, type TerminalFilter } from '../../src/proxy/filters/types.js';

const ctx = {} as RequestContext;

function filter(name: string, log: string[], opts: { async?: boolean; answer?: number } = {}): HttpFilter {
  return {
    name,
    onRequest() {
      log.push(`req ${name}`);
      const r: ProxyResponse | undefined = opts.answer ? { status: opts.answer, headers: {} } : undefined;
      return opts.async ? new Promise((resolve) => setImmediate(() => resolve(r))) : r;
    },
    onResponse(_c, res) { log.push(`res ${name} ${res.status}`); },
  };
}

function terminal(log: string[]): TerminalFilter {
  return { name: 'router', handle: async () => { log.push('router'); return { status: 200, headers: {} }; } };
}

test('all filters pass (one of them asynchronously): the router answers, hooks run last first', async () => {
  const log: string[] = [];
  const res = await runFilters([filter('a', log), filter('b', log, { async: true }), filter('c', log)], terminal(log), ctx);
  assert.equal(res.status, 200);
  assert.deepEqual(log, ['req a', 'req b', 'req c', 'router', 'res c 200', 'res b 200', 'res a 200']);
});

test('a filter that answers stops the chain; only the filters that ran see the response', async () => {
  for (const async of [false, true]) {
    const log: string[] = [];
    const res = await runFilters([filter('a', log), filter('b', log, { async, answer: 503 }), filter('c', log)], terminal(log), ctx);
    assert.equal(res.status, 503);
    assert.deepEqual(log, ['req a', 'req b', 'res b 503', 'res a 503'], `async ${async}`);
  }
});

test('no filters: the router answers', async () => {
  const log: string[] = [];
  assert.equal((await runFilters([], terminal(log), ctx)).status, 200);
  assert.deepEqual(log, ['router']);
});
