/**
 * A throwaway OpenLDAP server for tests: Debian's `slapd` started on a random local port with a
 * generated slapd.conf, an mdb database and (optionally) LDAPS with a self-signed certificate, all in
 * a temporary directory removed by `stop()`. The memberof overlay keeps `memberOf` on user entries,
 * as Active Directory and FAB's default AUTH_LDAP_GROUP_FIELD expect. Seed entries go in with ldapadd.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import type { Requirement } from './optional-suites.js';

const SLAPD = '/usr/sbin/slapd';
const MODULES = '/usr/lib/ldap';
const SCHEMA = '/etc/ldap/schema';

export function slapdRequirement(): Requirement {
  const ok = existsSync(SLAPD) && spawnSync('ldapadd', ['-VV'], { stdio: 'ignore' }).error === undefined && existsSync(join(SCHEMA, 'inetorgperson.schema'));
  return ok ? { met: true } : { met: false, missing: 'OpenLDAP slapd and ldap-utils are not installed', install: 'apt-get install slapd ldap-utils' };
}

export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  url: string;
  /** ldaps://localhost:<port> (self-signed certificate), when started with tls. */
  tlsUrl: string | null;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  add(ldif: string): void;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, errors: () => string): Promise<void> {
  const { connect } = await import('node:net');
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${errors()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on ${port}: ${errors()}`);
}

export async function startSlapd(options: { tls?: boolean } = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'skydag-slapd-'));
  const db = join(dir, 'db');
  mkdirSync(db);
  const suffix = 'dc=example,dc=org';
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = 'root-secret';
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : null;
  const tlsLines: string[] = [];
  if (tlsPort !== null) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
    tlsLines.push(`TLSCertificateFile ${cert}`, `TLSCertificateKeyFile ${key}`);
  }
  const config = [
    `include ${SCHEMA}/core.schema`,
    `include ${SCHEMA}/cosine.schema`,
    `include ${SCHEMA}/inetorgperson.schema`,
    `include ${SCHEMA}/nis.schema`,
    `modulepath ${MODULES}`,
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${join(dir, 'slapd.pid')}`,
    ...tlsLines,
    'database mdb',
    `suffix "${suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${db}`,
    'maxsize 10485760',
    'overlay memberof',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    '',
  ].join('\n');
  const confFile = join(dir, 'slapd.conf');
  writeFileSync(confFile, config);
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort !== null ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])];
  let stderr = '';
  // -d 0: stay in the foreground (killed by stop()), logging nothing.
  const child = spawn(SLAPD, ['-f', confFile, '-h', urls.join(' '), '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);
  if (tlsPort !== null) await waitForPort(tlsPort, child, () => stderr);
  const url = `ldap://127.0.0.1:${port}`;
  const add = (ldif: string) => {
    const result = spawnSync('ldapadd', ['-x', '-H', url, '-D', rootDn, '-w', rootPassword], { input: ldif, stdio: 'pipe' });
    if (result.status !== 0) throw new Error(`ldapadd failed: ${result.stderr.toString()}`);
  };
  return {
    url,
    tlsUrl: tlsPort !== null ? `ldaps://localhost:${tlsPort}` : null,
    suffix,
    rootDn,
    rootPassword,
    add,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
