// Starts the real `s117` server binary for a browser test, on a free port, with a fresh
// SQLite database and data folder, serving the built SPA (web/dist), and stops it after.
//
// The binary is S117_BIN if set (`cargo xtask test` sets it), else the release build in
// CARGO_TARGET_DIR (or target/). Build it first: `cargo xtask build-web` and
// `cargo build --release -p s117-api --bin s117`.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export function serverBinary() {
  if (process.env.S117_BIN) return process.env.S117_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target');
  return path.join(targetDir, 'release', 's117');
}

/** A TCP port nobody listens on right now (the OS picks it). */
async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a server. Returns { baseUrl, dataDir, output(), stop(), cli(args) }; `env` adds or overrides
 * environment variables (the rest of the environment passes through).
 */
export async function startServer({ env = {} } = {}) {
  const binary = serverBinary();
  const webDir = path.join(repoRoot, 'web', 'dist');
  if (!existsSync(binary)) {
    throw new Error(`no server binary at ${binary}: run \`cargo build --release -p s117-api --bin s117\` or set S117_BIN`);
  }
  if (!existsSync(path.join(webDir, 'index.html'))) {
    throw new Error(`no built SPA in ${webDir}: run \`cargo xtask build-web\``);
  }

  const dataDir = await mkdtemp(path.join(tmpdir(), 's117-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serverEnv = {
    ...process.env,
    S117_LISTEN: `127.0.0.1:${port}`,
    S117_DATABASE_URL: `sqlite://${dataDir}/s117.db`,
    S117_DATA_DIR: dataDir,
    S117_WEB_DIR: webDir,
    ...env,
  };
  const child = spawn(binary, ['serve'], {
    cwd: dataDir,
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep the server's log to show when something fails.
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timeout = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
      if ((await Promise.race([exit, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exit;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`s117 serve exited (${JSON.stringify(exited)}) before it was ready:\n${log}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`s117 serve did not answer GET /health within ${STARTUP_TIMEOUT_MS} ms:\n${log}`);
    }
    await sleep(100);
  }

  /** Runs another command of the binary (`create-admin …`) against the same database. */
  const cli = (args) =>
    new Promise((resolve, reject) => {
      const run = spawn(binary, args, { cwd: dataDir, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      run.stdout.on('data', (chunk) => (stdout += chunk));
      run.stderr.on('data', (chunk) => (stderr += chunk));
      run.once('error', reject);
      run.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  return { baseUrl, dataDir, output: () => log, stop, cli };
}
