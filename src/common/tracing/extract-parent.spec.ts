import { propagation, ROOT_CONTEXT, SpanKind, trace, type Context } from '@opentelemetry/api';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { AlwaysOnSampler, ParentBasedSampler, SamplingDecision } from '@opentelemetry/sdk-trace';
import type { IncomingHttpHeaders } from 'node:http';
import { createPropagator } from './create-propagator';
import { extractParent, type ParentHeaders } from './extract-parent';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const parentHeader = (flags: string): string => `00-${TRACE_ID}-${SPAN_ID}-${flags}`;

/** What a context says about the request's parent: its span context and its baggage. */
function described(context: Context): unknown {
  return {
    span: trace.getSpanContext(context),
    baggage: propagation.getBaggage(context)?.getAllEntries(),
  };
}

/** A request with these headers: each value one header line, as Node gives them in rawHeaders. */
function request(headers: IncomingHttpHeaders): ParentHeaders {
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) =>
    [value ?? []].flat().flatMap((line) => [name, line]),
  );
  return { headers, rawHeaders };
}

const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });

/** Whether a sampler that follows its parent drops the request: a valid parent that was not sampled. */
function followedAsUnsampled(context: Context): boolean {
  const { decision } = sampler.shouldSample(context, TRACE_ID, 'GET', SpanKind.SERVER, {}, []);
  return decision === SamplingDecision.NOT_RECORD;
}

/** Every shape of header the shortcuts take or must hand to the propagator. */
const CASES: Record<string, IncomingHttpHeaders> = {
  'no propagation header': { host: 'example.test' },
  'a sampled parent': { traceparent: parentHeader('01') },
  'a parent not sampled': { traceparent: parentHeader('00') },
  'other trace flags': { traceparent: parentHeader('03') },
  'another flag, not sampled': { traceparent: parentHeader('02') },
  'flags ff': { traceparent: parentHeader('ff') },
  'uppercase hex': { traceparent: parentHeader('01').toUpperCase() },
  'uppercase in the trace id only': { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` },
  'a leading space': { traceparent: ` ${parentHeader('01')}` },
  'a trailing space': { traceparent: `${parentHeader('01')} ` },
  'version 00 with more fields': { traceparent: `${parentHeader('01')}-extra` },
  'a later version with more fields': { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-extra` },
  'version ff': { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` },
  'an all-zero trace id': { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` },
  'an all-zero parent id': { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` },
  'an all-zero trace id, not sampled, past the shortcut': {
    traceparent: ` 00-${'0'.repeat(32)}-${SPAN_ID}-00`,
  },
  'a short trace id': { traceparent: `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01` },
  'not hex': { traceparent: `00-${TRACE_ID.slice(1)}g-${SPAN_ID}-01` },
  empty: { traceparent: '' },
  'a repeated header': { traceparent: [parentHeader('00'), parentHeader('01')] },
  'tracestate as well': { traceparent: parentHeader('01'), tracestate: 'vendor=value' },
  'baggage as well': { traceparent: parentHeader('00'), baggage: 'user=alice' },
  'baggage alone': { baggage: 'user=alice' },
  'B3 single header': { b3: `${TRACE_ID}-${SPAN_ID}-1` },
  'B3 multi header': { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' },
  'B3 and traceparent, which B3 overrides': {
    traceparent: parentHeader('01'),
    b3: `${'1'.repeat(32)}-${'2'.repeat(16)}-0`,
  },
};

describe('extractParent', () => {
  afterEach(() => propagation.disable());

  describe("with the service's propagator", () => {
    beforeEach(() => propagation.setGlobalPropagator(createPropagator()));

    it.each(Object.entries(CASES))('gives what the propagator gives: %s', (_name, headers) => {
      const parent = extractParent()(request(headers));
      const expected = propagation.extract(ROOT_CONTEXT, headers);
      expect(described(parent.context)).toEqual(described(expected));
      expect(parent.spanContext).toEqual(trace.getSpanContext(expected));
      expect(parent.unsampled).toBe(followedAsUnsampled(expected));
    });

    it('reads a canonical traceparent as a remote parent', () => {
      const parent = extractParent()(request({ traceparent: parentHeader('00') }));
      expect(trace.getSpanContext(parent.context)).toEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: 0,
        isRemote: true,
      });
      expect(parent.unsampled).toBe(true);
    });

    it('reads header names in any case, as Node does for the parsed headers', () => {
      const traceparent = parentHeader('00');
      const parent = extractParent()({ rawHeaders: ['TraceParent', traceparent], headers: { traceparent } });
      expect(parent.spanContext).toEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: 0,
        isRemote: true,
      });
      const withBaggage = {
        rawHeaders: ['traceparent', traceparent, 'BAGGAGE', 'user=alice'],
        headers: { traceparent, baggage: 'user=alice' },
      };
      expect(described(extractParent()(withBaggage).context)).toEqual(
        described(propagation.extract(ROOT_CONTEXT, withBaggage.headers)),
      );
    });

    it('gives the root context to a request that carries no parent', () => {
      const parent = extractParent()(request({ host: 'example.test' }));
      expect(parent.context).toBe(ROOT_CONTEXT);
      expect(parent.spanContext).toBeUndefined();
      expect(parent.unsampled).toBe(false);
    });
  });

  it('leaves traceparent to a propagator that does not read it', () => {
    propagation.setGlobalPropagator(new B3Propagator());
    const headers = { traceparent: parentHeader('01') };
    expect(trace.getSpanContext(extractParent()(request(headers)).context)).toBeUndefined();
  });
});
