// decree8 solc-js worker: loads the npm `solc` package once, then answers standard-JSON compile
// requests, one JSON object per line on stdin, one per line on stdout:
//   request  {"id": 1, "input": {...standard-JSON input...}}
//   response {"id": 1, "output": {...standard-JSON output...}}  or  {"id": 1, "error": "..."}
// On start it prints {"id": 0, "ready": true, "version": "<solc version>"} (or an "error").
// It exits when stdin closes. Usage: node solcjs_worker.js <node_modules folder>
'use strict';

const path = require('path');
const readline = require('readline');

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

let solc;
try {
  const modules = process.argv[2] || path.join(process.cwd(), 'node_modules');
  solc = require(path.join(path.resolve(modules), 'solc'));
} catch (err) {
  send({ id: 0, error: 'cannot load npm package solc: ' + (err && err.message ? err.message : err) });
  process.exit(3);
}

function noImports(p) {
  return { error: 'decree8 inlines every source; unexpected import callback for ' + p };
}

send({ id: 0, ready: true, version: solc.version() });

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (!line.trim()) return;
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id === undefined ? null : request.id;
    if (request.input === undefined) throw new Error('request has no "input"');
    const output = solc.compile(JSON.stringify(request.input), { import: noImports });
    // solc returns JSON text already: splice it in rather than parse and print it again.
    process.stdout.write('{"id":' + JSON.stringify(id) + ',"output":' + output + '}\n');
  } catch (err) {
    send({ id: id, error: String(err && err.stack ? err.stack : err).split('\n')[0] });
  }
});
lines.on('close', () => { process.exitCode = 0; });
