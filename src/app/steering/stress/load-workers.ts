import { Worker } from 'node:worker_threads';

/** Keeps one CPU busy in a worker thread until it is terminated: arithmetic in a loop, no I/O. */
const BURN = `
let x = 0;
for (;;) for (let i = 0; i < 1e7; i++) x += Math.sqrt(i);
`;

/**
 * Holds `workerData` MiB in a worker thread, in pieces of up to 64 MiB. The bytes are written with a
 * non-zero value: memory never written is mapped lazily by the kernel and would not count.
 * Terminating the worker frees it at once, with no garbage collection to wait for.
 *
 * Each piece is allocated at 33 MiB or more, of which only the bytes asked for are written: glibc
 * maps a block over 32 MiB on its own and unmaps it when freed. A smaller one may come from its
 * heap and stay with the process after the worker ends, since glibc starts serving blocks of a few
 * MiB from the heap once a block that large has been freed (loading the bundled service frees one).
 */
const HOLD = `
const { workerData, parentPort } = require('node:worker_threads');
const MiB = 1024 * 1024;
const held = [];
for (let left = workerData; left > 0; ) {
  const mib = Math.min(left, 64);
  const piece = Buffer.allocUnsafeSlow(Math.max(mib, 33) * MiB);
  held.push(piece.fill(0xa5, 0, mib * MiB));
  left -= mib;
}
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
