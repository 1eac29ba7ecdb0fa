// Starts `vmsg serve` for one test file: loopback, a free port (VMSG_HTTP_PORT=0, read back
// from the "listening" log line), a fresh temporary data directory and the source tree's web/.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 120000;  // a first start draws the backgrounds and seeds the voices

export function sourceDir() {
  const dir = process.env.VMSG_SOURCE_DIR;
  if (!dir) throw new Error('VMSG_SOURCE_DIR is not set (the CTest entry sets it)');
  return dir;
}

export async function startServer(env = {}) {
  const bin = process.env.VMSG_BIN;
  if (!bin) throw new Error('VMSG_BIN is not set (the CTest entry sets it to build/vmsg)');
  const dataDir = mkdtempSync(join(tmpdir(), 'vmsg-e2e-'));
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      VMSG_HTTP_HOST: '127.0.0.1',
      VMSG_HTTP_PORT: '0',
      VMSG_DATA_DIR: dataDir,
      VMSG_WEB_DIR: join(sourceDir(), 'web'),
      VMSG_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vmsg did not start in time:\n${log}`)), START_TIMEOUT_MS);
    const onData = (data) => {
      log += data.toString();
      const m = log.match(/listening address=127\.0\.0\.1 port=(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vmsg exited with ${code} before listening:\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dataDir,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
