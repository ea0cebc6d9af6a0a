/**
 * The benchmark's SMTP sink, in a process of its own so it does not share an event loop with the load
 * generator. Accepts everything on 127.0.0.1, counts distinct Message-IDs and deliveries, answers the
 * parent's `count` messages over IPC.
 */
import { SMTPServer } from 'smtp-server';

let deliveries = 0;
const ids = new Set<string>();
let lastAt = 0;
const server = new SMTPServer({
  authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, maxClients: 1000,
  // No reverse DNS per connection: on a machine without a resolver each lookup waits for its timeout.
  disableReverseLookup: true,
  onData(stream, _session, cb) {
    let head = '';
    stream.on('data', (c: Buffer) => { if (head.length < 4096) head += c.toString('latin1'); });
    stream.on('end', () => {
      deliveries++;
      const id = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1];
      if (id) ids.add(id);
      lastAt = Date.now();
      cb();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as { port: number }).port });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'count') process.send!({ deliveries, distinct: ids.size, lastAt });
  if (m.cmd === 'reset') { deliveries = 0; ids.clear(); lastAt = 0; process.send!({ reset: true }); }
});
process.on('disconnect', () => process.exit(0));
