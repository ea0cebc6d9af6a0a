import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway Dovecot IMAP server for tests: its own config, passwd-file and Maildir under a temp
 * directory, listening on a free 127.0.0.1 port, logging to a file there, without TLS. `stop()`
 * kills it and removes the directory.
 *
 * Started as root, Dovecot refuses to run its login process as root ("This process must not be run
 * as root") and refuses mail access as UID 0, so the system users it documents are used:
 * default_login_user = dovenull, default_internal_user = dovecot (Debian's package creates both;
 * `nobody` otherwise), and the mailbox belongs to `nobody`. Started as another user, everything runs
 * as that user ("rootless", https://doc.dovecot.org/ admin manual, system users).
 */
export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BINARY);
}

export interface TestDovecot {
  port: number;
  username: string;
  password: string;
  /** The Dovecot log, for assertion messages. */
  log(): string;
  stop(): Promise<void>;
}

interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

function systemUser(name: string): SystemUser | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: not a system this helper supports
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the server sends its IMAP greeting ("* OK … ready."). */
async function waitForGreeting(port: number, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with code ${child.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('data', (chunk) => done(chunk.toString().startsWith('* OK')));
      socket.once('error', () => done(false));
    });
    if (greeted) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('dovecot did not greet within the deadline');
}

export async function startDovecot(): Promise<TestDovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-dovecot-'));
  // The login and mail processes run as other users; they must be able to reach their directories.
  await chmod(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const me = userInfo();
  const nobody = systemUser('nobody') ?? { name: 'nobody', uid: 65534, gid: 65534 };
  const mailUser: SystemUser = asRoot ? nobody : { name: me.username, uid: me.uid, gid: me.gid };
  const loginUser = asRoot ? (systemUser('dovenull') ?? nobody).name : me.username;
  const internalUser = asRoot ? (systemUser('dovecot') ?? nobody) : mailUser;

  const mailDir = join(dir, 'mail');
  const homeDir = join(dir, 'home');
  await mkdir(mailDir);
  await mkdir(homeDir);
  if (asRoot) {
    await chown(mailDir, mailUser.uid, mailUser.gid);
    await chown(homeDir, mailUser.uid, mailUser.gid);
  }
  const username = 'hotel';
  const password = 'imap-secret';
  const passwdFile = join(dir, 'passwd');
  // passwd-file format: user:password:uid:gid:gecos:home:shell:extra
  await writeFile(passwdFile, `${username}:{PLAIN}${password}:${mailUser.uid}:${mailUser.gid}::${homeDir}/${username}::\n`, { mode: 0o644 });

  const port = await freePort();
  const logPath = join(dir, 'dovecot.log');
  const config = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = rebound-test-${port}
log_path = ${logPath}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = ${loginUser}
default_internal_user = ${internalUser.name}
default_internal_group = ${asRoot ? (systemUser('dovecot') ? 'dovecot' : 'nogroup') : me.username}
first_valid_uid = ${Math.min(mailUser.uid, 500)}
mail_location = maildir:${mailDir}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwdFile}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${passwdFile}
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
`;
  const configPath = join(dir, 'dovecot.conf');
  await writeFile(configPath, config, { mode: 0o644 });

  // -F: stay in the foreground, so the child is the master process and killing it ends everything.
  const child = spawn(DOVECOT_BINARY, ['-F', '-c', configPath], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForGreeting(port, child, Date.now() + 10_000);
  } catch (err) {
    const text = log();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`);
  }
  return { port, username, password, log, stop };
}
