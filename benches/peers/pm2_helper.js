// The harness's hands on pm2: connects to (and thereby starts) the pm2 daemon of
// $PM2_HOME through pm2's programmatic API, then obeys one command per line on stdin and
// answers one line on stdout ("ok", or "error <message>"):
//
//   start NAME…    pm2.start of each (in parallel), from the specs file given as argv[2]
//   stop NAME…     pm2.stop of each
//   delete NAME…   pm2.delete of each
//   kill           pm2.killDaemon, then exit
//
// The specs file maps a name to {"script": PROGRAM, "args": [ARG…]}.
'use strict';
const fs = require('fs');
const readline = require('readline');
const pm2 = require('pm2');

const specs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const restartDelay = Number(process.argv[3] || '100');
const logs = process.argv[4];

function call(fn, arg) {
  return new Promise((resolve, reject) => fn.call(pm2, arg, (err) => (err ? reject(err) : resolve())));
}

function start(name) {
  const spec = specs[name];
  if (!spec) return Promise.reject(new Error(`no spec for ${name}`));
  return call(pm2.start, {
    name,
    script: spec.script,
    args: spec.args,
    interpreter: 'none',
    exec_mode: 'fork',
    autorestart: true,
    restart_delay: restartDelay,
    max_restarts: 1000,
    kill_timeout: 10000,
    out_file: `${logs}/${name}.out`,
    error_file: `${logs}/${name}.err`,
  });
}

pm2.connect((err) => {
  if (err) {
    console.log(`error ${err.message}`);
    process.exit(1);
  }
  console.log('ok');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    const [cmd, ...names] = line.trim().split(/\s+/);
    try {
      if (cmd === 'start') await Promise.all(names.map(start));
      else if (cmd === 'stop') await Promise.all(names.map((n) => call(pm2.stop, n)));
      else if (cmd === 'delete') await Promise.all(names.map((n) => call(pm2.delete, n)));
      else if (cmd === 'kill') {
        await new Promise((resolve) => pm2.killDaemon(() => resolve()));
        console.log('ok');
        pm2.disconnect();
        process.exit(0);
      } else throw new Error(`unknown command ${cmd}`);
      console.log('ok');
    } catch (e) {
      console.log(`error ${e && e.message ? e.message : e}`);
    }
  });
});
