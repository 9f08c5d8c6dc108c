import { Worker } from 'node:worker_threads';

/** Keeps one CPU busy in a worker thread until it is terminated: arithmetic in a loop, no I/O. */
const BURN = `
let x = 0;
for (;;) for (let i = 0; i < 1e7; i++) x += Math.sqrt(i);
`;

/**
 * Holds `workerData` MiB in a worker thread. The buffers are filled with a non-zero byte: zeroed
 * memory is mapped lazily by the kernel and would not count. Terminating the worker frees it at
 * once, with no garbage collection to wait for.
 */
const HOLD = `
const { workerData, parentPort } = require('node:worker_threads');
const held = [];
for (let i = 0; i < workerData; i++) held.push(Buffer.alloc(1024 * 1024, 0xa5));
parentPort.postMessage(held.length);
setInterval(() => held.length, 1 << 30);
`;

export function startCpuBurner(): Worker {
  return new Worker(BURN, { eval: true });
}

/** Resolves once the memory is held, so the caller can answer with the state in force. */
export function startMemoryHolder(mib: number): Promise<Worker> {
  const worker = new Worker(HOLD, { eval: true, workerData: mib });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}
