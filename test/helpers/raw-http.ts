import { connect } from 'node:net';

/**
 * One raw HTTP/1.1 connection, for tests that must control what is on the wire and when — a request
 * whose body comes later, a second request on the same keep-alive connection.
 */
export async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c: Buffer) => { received += c.toString('latin1'); });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { write: (s: string) => socket.write(s), received: () => received, closed, destroy: () => socket.destroy() };
}

/** A POST /v1/tenants: its head (send first) and its body (send later). */
export function tenantPost(adminToken: string, name: string): { head: string; body: string } {
  const body = JSON.stringify({ name, notificationEmail: 'rezeption@hotel.example.com' });
  return {
    head: `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    body,
  };
}
