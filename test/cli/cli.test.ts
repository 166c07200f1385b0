import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../helpers/app.ts';
import { runCli, serve } from '../helpers/proc.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;

describe('command line', () => {
  test('--help and --version', () => {
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('switchyard keys create');
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^switchyard \d+\.\d+\.\d+/);
  });

  test('an unknown flag or command is a usage error (exit 2)', () => {
    expect(runCli(['--bogus']).code).toBe(2);
    expect(runCli(['frobnicate']).code).toBe(2);
  });

  test('an invalid config stops start-up naming the key (exit 78)', () => {
    const r = runCli(['serve', '--port', 'eighty']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("'port'");
  });

  test('keys create, list and revoke against the data file, used by a running server', async () => {
    const dataDir = join(dir, 'keys');
    const created = runCli(['keys', 'create', '--org', 'acme', '--env', 'test', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const key = KEY.exec(created.stdout)?.[0] as string;
    expect(key).toBeDefined();
    expect(created.stdout).toContain('Created admin key');
    const list = runCli(['keys', 'list', '--org', 'acme', '--data-dir', dataDir]);
    expect(list.stdout).toContain(key.split('.')[0] as string);
    expect(list.stdout).toContain('test\tadmin');
    expect(list.stdout).not.toContain(key.split('.')[1] as string);

    const s = await serve(['--data-dir', dataDir]);
    try {
      const ok = await fetch(`${s.base}/api/temporary-keys/`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      expect((await json(ok)).results[0].environment).toBe('test');
    } finally {
      s.proc.kill('SIGTERM');
      await s.proc.exited;
    }
    const revoked = runCli(['keys', 'revoke', key.split('.')[0] as string, '--data-dir', dataDir]);
    expect(revoked.code).toBe(0);
    const s2 = await serve(['--data-dir', dataDir]);
    try {
      const r = await fetch(`${s2.base}/api/temporary-keys/`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(401);
    } finally {
      s2.proc.kill('SIGTERM');
      await s2.proc.exited;
    }
  }, 30_000);
});

test('keys create --role: admin by default, member or read_only when asked, anything else a usage error', () => {
  const dataDir = join(dir, 'roles');
  expect(runCli(['keys', 'create', '--org', 'acme', '--role', 'member', '--data-dir', dataDir]).stdout).toContain('Created member key');
  const bad = runCli(['keys', 'create', '--org', 'acme', '--role', 'owner', '--data-dir', dataDir]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--role must be one of read_only, member, admin');
  expect(runCli(['keys', 'list', '--org', 'acme', '--data-dir', dataDir]).stdout).toContain('prod\tmember');
});

describe('serve', () => {
  test('first start prints a working dev key and a curl example; the second start does not', async () => {
    const dataDir = join(dir, 'first');
    const s = await serve(['--data-dir', dataDir]);
    const key = KEY.exec(s.stdout)?.[0] as string;
    expect(s.stdout).toContain('curl ');
    expect(s.stdout).toContain(`Bearer ${key}`);
    const r = await fetch(`${s.base}/api/temporary-keys/`, { headers: { 'x-auth-api-key': key } });
    expect(r.status).toBe(200);
    expect((await json(r)).results[0].role).toBe('admin');
    s.proc.kill('SIGTERM');
    expect(await s.proc.exited).toBe(0);
    const again = await serve(['--data-dir', dataDir]);
    expect(again.stdout).not.toMatch(KEY);
    again.proc.kill('SIGINT');
    expect(await again.proc.exited).toBe(0);
  });

  test('SWITCHYARD_BOOTSTRAP_KEY seeds a known key', async () => {
    const key = 'contain1.abcdefghijklmnopqrstuvwxyz123456';
    const s = await serve(['--data-dir', join(dir, 'boot')], { SWITCHYARD_BOOTSTRAP_KEY: key, SWITCHYARD_BOOTSTRAP_KEY_ENV: 'test' });
    try {
      const r = await fetch(`${s.base}/api/temporary-keys/`, { headers: { authorization: `Api-Key ${key}` } });
      expect(r.status).toBe(200);
      expect((await json(r)).results[0]).toMatchObject({ environment: 'test', role: 'admin' });
    } finally {
      s.proc.kill('SIGTERM');
      expect(await s.proc.exited).toBe(0);
    }
  });
});
