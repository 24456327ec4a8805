import { createNoopMeter, type Attributes, type Counter, type Meter, type MetricOptions } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * A metric exporter whose target is set after construction: metric readers must exist before the
 * meter provider, and the journal (their target) is built after it, since it records into it.
 */
export class LateBoundMetricExporter implements PushMetricExporter {
  private target: PushMetricExporter | undefined;

  bind(target: PushMetricExporter): void {
    this.target = target;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.target === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('journal metric exporter not bound yet') });
      return;
    }
    this.target.export(metrics, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.target?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.target?.shutdown() ?? Promise.resolve();
  }
}

/** A meter whose counters (all the redaction exporters need) start recording once it is bound. */
export class LateBoundMeter {
  private meter: Meter | undefined;
  private readonly pending: { name: string; options: MetricOptions | undefined; bound: { counter?: Counter } }[] = [];

  bind(meter: Meter): void {
    this.meter = meter;
    for (const entry of this.pending) entry.bound.counter = meter.createCounter(entry.name, entry.options);
  }

  asMeter(): Meter {
    const noop = createNoopMeter();
    return {
      ...noop,
      createCounter: (name: string, options?: MetricOptions): Counter => {
        if (this.meter !== undefined) return this.meter.createCounter(name, options);
        const bound: { counter?: Counter } = {};
        this.pending.push({ name, options, bound });
        return { add: (value: number, attributes?: Attributes) => bound.counter?.add(value, attributes) };
      },
    };
  }
}
