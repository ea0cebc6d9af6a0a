import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRebound, type TestInstance } from '../helpers/rebound.ts';
import { testCertificates } from '../helpers/certificates.ts';

/** The EHLO answer of a server, as lines. */
function ehlo(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (!sent && /^220 /m.test(buffer)) { sent = true; buffer = ''; socket.write('EHLO client.example.org\r\n'); return; }
      if (sent && /^250 /m.test(buffer)) { socket.end('QUIT\r\n'); resolve(buffer.trim().split(/\r?\n/)); }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no EHLO answer: ${buffer}`)), 5000).unref();
  });
}

describe('the inbound SMTP listener', () => {
  const instances: TestInstance[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const i of instances) await i.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('offers no STARTTLS without a configured certificate (never a placeholder certificate)', async () => {
    const r = await startRebound({ role: 'smtp' });
    instances.push(r);
    const lines = await ehlo(r.smtpPort);
    assert.ok(lines.some((l) => /SIZE \d+/.test(l)), 'advertises its size limit');
    assert.ok(!lines.some((l) => /STARTTLS/.test(l)), lines.join('\n'));
  });

  it('answers 421 to one address holding more than its share of connections, and frees the slot on close', async () => {
    const r = await startRebound({ role: 'smtp', env: { REBOUND_SMTP_MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    instances.push(r);
    const greet = () => new Promise<{ line: string; socket: import('node:net').Socket }>((resolve, reject) => {
      const socket = connect(r.smtpPort, '127.0.0.1');
      socket.setEncoding('utf8');
      socket.once('data', (d: string) => resolve({ line: d.trim(), socket }));
      socket.on('error', reject);
    });
    const held = [await greet(), await greet(), await greet()];
    for (const h of held) assert.match(h.line, /^220 /);
    const fourth = await greet();
    assert.match(fourth.line, /^421 /);
    fourth.socket.destroy();
    held[0]!.socket.end('QUIT\r\n');
    await new Promise((res) => setTimeout(res, 300));
    const again = await greet();
    assert.match(again.line, /^220 /);
    for (const h of [...held, again]) h.socket.destroy();
  });

  it("offers STARTTLS with the operator's certificate when one is configured", async () => {
    const certs = await testCertificates();
    const dir = mkdtempSync(join(tmpdir(), 'rebound-tls-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'key.pem'), certs.valid.key);
    writeFileSync(join(dir, 'cert.pem'), certs.valid.cert);
    const r = await startRebound({ role: 'smtp', env: { REBOUND_SMTP_TLS_KEY_FILE: join(dir, 'key.pem'), REBOUND_SMTP_TLS_CERT_FILE: join(dir, 'cert.pem') } });
    instances.push(r);
    const lines = await ehlo(r.smtpPort);
    assert.ok(lines.some((l) => /STARTTLS/.test(l)), lines.join('\n'));
  });
});
