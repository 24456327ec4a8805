/** PromQL building blocks shared by panels and alert rules. */
import type { ModelPrice } from './config.js';
import { COLLECTOR_SIGNALS, GEN_AI_CLIENT_TOKEN_USAGE, L, sum, type CollectorItems, type MetricName } from './metrics.js';

/**
 * Events of a counter within `window`, per `by` labels, robust to a counter series that is born
 * inside the window (the SDK creates a counter series on its first increment, which `increase()`
 * alone cannot see): `increase()` where the series existed before, else its current value.
 * Only series with events are returned.
 */
export function eventsWithin(selector: string, by: readonly string[], window: string): string {
  const grouping = `sum by (${by.join(', ')})`;
  return `(${grouping} (increase(${selector}[${window}])) > 0) or ${grouping} (${selector} unless ${selector} offset ${window})`;
}

/**
 * One collector counter family across the three signals, with the signal in a
 * `collector_signal` label so `or` keeps all three.
 */
export function perCollectorSignal(
  metric: (items: CollectorItems) => MetricName,
  inner: (series: string) => string,
): string {
  return COLLECTOR_SIGNALS.map(
    ({ signal, items }) => `label_replace(${inner(metric(items).name)}, "collector_signal", "${signal}", "", "")`,
  ).join(' or ');
}

/** Estimated spend in USD per request model over `range`, from the price table. */
export function estimatedCost(prices: readonly ModelPrice[], selector: string, range: string): string {
  const terms = prices.flatMap((price) => [
    `increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{${selector}, ${L.requestModel}="${price.model}", ${L.tokenType}="input"}[${range}]) * ${price.inputPerMillionTokens / 1e6}`,
    `increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{${selector}, ${L.requestModel}="${price.model}", ${L.tokenType}="output"}[${range}]) * ${price.outputPerMillionTokens / 1e6}`,
  ]);
  return `sum by (${L.requestModel}) (${terms.join(' or ')})`;
}

/** Regular expression matching no priced model, for the "tokens without a price" panel. */
export function unpricedModels(prices: readonly ModelPrice[]): string {
  return prices.map((price) => price.model.replace(/[.\\+*?()[\]{}|^$]/g, (c) => `\\\\${c}`)).join('|');
}
