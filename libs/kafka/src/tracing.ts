import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { setting, type Environment } from '@carelog/config';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { IHeaders } from 'kafkajs';

/**
 * W3C trace context from HTTP through Kafka headers to every consumer (docs/architecture.md, "API
 * contract"), with the OpenTelemetry SDK. Spans are always made and their context always
 * propagated (a `traceparent` header on every record entry); they leave the process only
 * when an exporter is configured: OTLP over HTTP when CARELOG_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_ENDPOINT) is set, off by default.
 */

export const TRACER_NAME = 'carelog';

let provider: NodeTracerProvider | undefined;

/**
 * Registers the process's tracer provider once (W3C trace context propagator, async-hooks
 * context): with `exporter` (a test's in-memory one), or OTLP when configured, or none.
 */
export function startTracing(
  serviceName: string,
  options: { exporter?: SpanExporter; env?: Environment } = {},
): NodeTracerProvider {
  if (provider) return provider;
  const endpoint =
    setting('CARELOG_OTLP_ENDPOINT', options.env) ??
    setting('OTEL_EXPORTER_OTLP_ENDPOINT', options.env);
  const spanProcessors = options.exporter
    ? [new SimpleSpanProcessor(options.exporter)]
    : endpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))]
      : [];
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors,
  });
  provider.register();
  return provider;
}

const tracer = () => trace.getTracer(TRACER_NAME);

/** The trace context of incoming headers (HTTP or Kafka), or the root context. */
export function contextFromHeaders(
  headers: IHeaders | Record<string, unknown> | undefined,
): Context {
  const carrier: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') carrier[name.toLowerCase()] = first;
    else if (Buffer.isBuffer(first)) carrier[name.toLowerCase()] = first.toString('utf8');
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The active trace context as headers (`traceparent`, `tracestate`) for a Kafka message. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** Runs `work` in a span (child of `parent`), ending it and recording a failure. */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
    throw error;
  } finally {
    span.end();
  }
}

/** Starts a span the caller ends (an HTTP request, ended when its answer is sent). */
export const startSpan = (
  name: string,
  options: { kind: SpanKind; attributes?: Attributes },
  parent: Context,
): Span => tracer().startSpan(name, options, parent);

export { SpanKind, SpanStatusCode, context as traceContext, trace };
