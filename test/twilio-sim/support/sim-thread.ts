import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SimAdminService, SimulatorOptions } from '@app/twilio-sim';

/**
 * A simulator on its own thread (and V8 heap). Used for the million-user test: its heap is torn down when the
 * thread ends, inside the test, instead of making the jest worker slow to exit. The thread compiles the
 * simulator's TypeScript with swc, as jest does.
 */
export interface SimThread {
  url: string;
  accountSid: string;
  authToken: string;
  /** Calls a SimAdminService method on the thread; arguments and result are structured-cloned. */
  admin<K extends keyof SimAdminService>(
    method: K,
    ...args: SimAdminService[K] extends (...a: infer A) => unknown ? A : never
  ): Promise<SimAdminService[K] extends (...a: never[]) => infer R ? R : never>;
  close(): Promise<void>;
}

const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { transformSync } = require(workerData.swc);
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
const { startSimulator } = require(workerData.entry);
startSimulator(workerData.options).then((sim) => {
  parentPort.on('message', async ({ id, method, args }) => {
    try {
      const result = method === 'close' ? await sim.close() : sim.admin[method](...args);
      parentPort.postMessage({ id, result });
    } catch (error) {
      parentPort.postMessage({ id, error: String(error && error.message || error) });
    }
  });
  parentPort.postMessage({ id: 0, result: { url: sim.url, accountSid: sim.accountSid, authToken: sim.authToken } });
}, (error) => parentPort.postMessage({ id: 0, error: String(error && error.message || error) }));
`;

export async function startSimulatorThread(options: SimulatorOptions = {}): Promise<SimThread> {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      options,
      swc: require.resolve('@swc/core'),
      entry: path.resolve(__dirname, '..', '..', '..', 'apps', 'twilio-sim', 'src', 'index.ts'),
    },
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  const ready = new Promise<{ url: string; accountSid: string; authToken: string }>((resolve, reject) => {
    pending.set(0, { resolve, reject });
  });
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (error === undefined) waiter?.resolve(result);
    else waiter?.reject(new Error(error));
  });
  worker.on('error', (error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  const call = (method: string, args: unknown[]): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });
  const info = await ready;
  return {
    ...info,
    admin: (method, ...args) => call(method, args),
    close: async () => {
      await call('close', []);
      await worker.terminate();
    },
  };
}
