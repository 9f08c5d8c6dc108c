// make bench: httpserver against its ceilings, side by side in one run. See README "Performance".
// Each server starts fresh, pinned to core 0; wrk runs on core 1. Every run is bounded in time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { inPod, podTables } from './pod.mts';
import { concurrencyTable, table, throughputTable } from './markdown.mts';
import {
  CONCURRENT_CONNECTIONS,
  CONCURRENT_SECONDS,
  CEILINGS,
  CONNECTIONS,
  concurrency,
  FIXTURE_MEASURES,
  fmt,
  HTTPSERVER_MEASURES,
  median,
  PAIR_SECONDS,
  PAIRS,
  RESULTS,
  RUNS,
  SECONDS,
  sideBySide,
  sideBySideTable,
  throughput,
  WARMUP_SECONDS,
  type Row,
} from './scenarios.mts';
import { ROOT, start, stop, TWO_CORES } from './servers.mts';

/** The NODE_OPTIONS the image sets (Dockerfile ENV): make bench runs httpserver as the image runs it. */
const IMAGE_NODE_OPTIONS = (() => {
  const match = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  if (match === null) throw new Error('the Dockerfile sets no NODE_OPTIONS="..."');
  return match[1]!;
})();

/** httpserver runs with the image's NODE_OPTIONS, as it does in its container. */
const AS_SHIPPED = { NODE_OPTIONS: IMAGE_NODE_OPTIONS };

/** A sink for (d): accepts OTLP exports and discards them. */
function startSink(): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => server.close() });
    });
  });
}

/** Process start to the first 200 on /readyz, median of 5. */
async function startup(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const server = await start(
      'startup',
      ['dist/main.js'],
      { DELAY_MAX_MS: '0', ...AS_SHIPPED },
      {
        readyPath: '/readyz',
      },
    );
    times.push(performance.now() - started);
    await stop(server);
  }
  return median(times);
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  if (!TWO_CORES) console.log('one core only: server and wrk share it, numbers are not comparable');
  console.log(
    `throughput: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, ${RUNS} x ${SECONDS} s, medians`,
  );
  const features = { DELAY_MAX_MS: '0', LOG_LEVEL: 'info', ...AS_SHIPPED };
  const sink = await startSink();
  const httpserver = { name: '(c) httpserver', args: ['dist/main.js'], env: features };
  const rows = [
    await throughput(CEILINGS.bareHttp),
    await throughput(CEILINGS.nestHello),
    await throughput(CEILINGS.nestInterceptor),
    await throughput(httpserver),
    await throughput({
      name: '(d) httpserver + tracing',
      args: ['dist/main.js'],
      env: { ...features, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' },
    }),
  ];
  sink.close();
  console.log(`side by side: ${PAIRS} pairs of ${PAIR_SECONDS} s runs, both servers running`);
  const pairs = [
    await sideBySide('c/b', CEILINGS.nestHello, httpserver),
    await sideBySide("b'/b", CEILINGS.nestHello, CEILINGS.nestInterceptor),
  ] as const;
  console.log(
    `concurrency: ${CONCURRENT_CONNECTIONS} connections, ${CONCURRENT_SECONDS} s, delay 0-2000 ms, each server alone`,
  );
  const delayed = { DELAY_MIN_MS: '0', DELAY_MAX_MS: '2000', ...AS_SHIPPED };
  const busyRows = [
    await concurrency(CEILINGS.delayed.bareHttp, FIXTURE_MEASURES),
    await concurrency(CEILINGS.delayed.nestHello, FIXTURE_MEASURES),
    await concurrency(CEILINGS.delayed.nestInterceptor, FIXTURE_MEASURES),
    await concurrency({ ...httpserver, env: delayed }, HTTPSERVER_MEASURES),
  ];
  const pod = await inPod(features, delayed);
  console.log('start-up: 5 runs');
  const startupMs = await startup();

  const [a, b, bFloor, c, d] = rows as [Row, Row, Row, Row, Row];
  const ratios = {
    cOverA: c.rps / a.rps,
    cOverB: c.rps / b.rps,
    bFloorOverB: bFloor.rps / b.rps,
    cOverBFloor: c.rps / bFloor.rps,
    dOverC: d.rps / c.rps,
    p99COverB: c.p99Ms / b.p99Ms,
  };
  const report = [
    ...throughputTable(rows),
    '',
    ...table(
      ['ratio', 'value', 'target'],
      [
        ['c/a throughput', fmt(ratios.cOverA, 2), ''],
        ['c/b throughput', fmt(ratios.cOverB, 2), '>= 0.90'],
        ["b'/b throughput: what one empty interceptor costs", fmt(ratios.bFloorOverB, 2), ''],
        ["c/b' throughput: httpserver against that floor", fmt(ratios.cOverBFloor, 2), ''],
        ['d/c throughput', fmt(ratios.dOverC, 2), ''],
        ['c/b p99', fmt(ratios.p99COverB, 2), '<= 1.5'],
      ],
    ),
    '',
    ...sideBySideTable([
      { result: pairs[0], target: '>= 0.90; p99 <= 1.5' },
      { result: pairs[1], target: '' },
    ]),
    ...concurrencyTable(
      `${CONCURRENT_CONNECTIONS} connections, ${CONCURRENT_SECONDS} s, delay 0-2000 ms`,
      busyRows,
      [['target for (c)', '', 0, '', '< 50', '<= 160', '']],
    ),
    '',
    ...podTables(pod),
    `| start-up to first 200 on /readyz (median of 5) | ${fmt(startupMs)} ms | < 1000 ms |`,
  ].join('\n');
  const when = new Date().toISOString();
  const markdown = `# httpserver benchmark, ${when}\n\nServer on core 0, wrk on core 1, loopback; node ${process.version}; httpserver with the image's NODE_OPTIONS="${IMAGE_NODE_OPTIONS}".\n\n${report}\n`;
  writeFileSync(join(RESULTS, 'latest.md'), markdown);
  writeFileSync(
    join(RESULTS, 'latest.json'),
    `${JSON.stringify({ when, node: process.version, nodeOptions: IMAGE_NODE_OPTIONS, rows, ratios, sideBySide: pairs, concurrency: busyRows, pod, startupMs }, null, 2)}\n`,
  );
  console.log(`\n${report}\n\nwritten to bench/results/latest.md and latest.json`);
}

await main();
