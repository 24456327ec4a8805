/**
 * Feeds a journal directory or an OTLP/JSON lines file to a `TrailVerifier`.
 *
 * Segment listing and line splitting come from the journal reader; decoding here is strict, because
 * integrity depends on it: an unknown field name, a duplicate attribute key or a value of the wrong
 * JSON type makes the line `corrupt` (a bit flip in a field name must not silently drop the field).
 */
import { listSegments, readSegmentLines, type JournalSegment } from '../journal/JournalReader.js';
import { ATTR_AUDIT_CHAIN_ID, ATTR_AUDIT_CHECKPOINT_SIGNATURE } from '../semconv.js';
import { statedCheckpoint } from './checkpointFields.js';
import { hashResource, otlpStringForm, projectOtlpLogRecord } from './projection.js';
import type { TrailVerifier } from './TrailVerifier.js';

class StrictnessError extends Error {}

const REQUEST_FIELDS = new Set(['resourceLogs']);
const RESOURCE_LOGS_FIELDS = new Set(['resource', 'scopeLogs', 'schemaUrl']);
const RESOURCE_FIELDS = new Set(['attributes', 'droppedAttributesCount', 'entityRefs']);
const SCOPE_LOGS_FIELDS = new Set(['scope', 'logRecords', 'schemaUrl']);
const SCOPE_FIELDS = new Set(['name', 'version', 'attributes', 'droppedAttributesCount']);
const LOG_RECORD_FIELDS = new Set([
  'timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'attributes',
  'droppedAttributesCount', 'flags', 'traceId', 'spanId', 'eventName',
]);
const KEY_VALUE_FIELDS = new Set(['key', 'value']);
const ANY_VALUE_FIELDS = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue']);
const STRING_FIELDS = new Set(['severityText', 'traceId', 'spanId', 'eventName', 'name', 'version', 'schemaUrl']);
const NANOS = /^[0-9]{1,20}$/;

function checkObject(value: unknown, allowed: ReadonlySet<string>, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new StrictnessError(`${what} is not an object`);
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!allowed.has(key)) throw new StrictnessError(`unknown field ${JSON.stringify(key)} in ${what}`);
    if (STRING_FIELDS.has(key) && typeof object[key] !== 'string') throw new StrictnessError(`${what}.${key} is not a string`);
  }
  return object;
}

function checkAnyValue(value: unknown, depth: number): void {
  if (depth > 32) throw new StrictnessError('value nested too deeply');
  const object = checkObject(value, ANY_VALUE_FIELDS, 'AnyValue');
  const keys = Object.keys(object);
  if (keys.length > 1) throw new StrictnessError('AnyValue with more than one value');
  if (keys.length === 0) return;
  const inner = object[keys[0]];
  switch (keys[0]) {
    case 'stringValue':
    case 'bytesValue':
      if (typeof inner !== 'string') throw new StrictnessError(`${keys[0]} is not a string`);
      return;
    case 'boolValue':
      if (typeof inner !== 'boolean') throw new StrictnessError('boolValue is not a boolean');
      return;
    case 'intValue':
      if (!(typeof inner === 'string' && /^-?[0-9]{1,20}$/.test(inner)) && !(typeof inner === 'number' && Number.isInteger(inner))) {
        throw new StrictnessError('intValue is not an integer');
      }
      return;
    case 'doubleValue':
      if (typeof inner !== 'number' && inner !== 'NaN' && inner !== 'Infinity' && inner !== '-Infinity') throw new StrictnessError('doubleValue is not a number');
      return;
    case 'arrayValue': {
      const array = checkObject(inner, new Set(['values']), 'arrayValue');
      if (array.values !== undefined) {
        if (!Array.isArray(array.values)) throw new StrictnessError('arrayValue.values is not an array');
        for (const element of array.values) checkAnyValue(element, depth + 1);
      }
      return;
    }
    default: {
      const list = checkObject(inner, new Set(['values']), 'kvlistValue');
      if (list.values !== undefined) checkAttributes(list.values, depth + 1);
    }
  }
}

function checkAttributes(list: unknown, depth = 0): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new StrictnessError('attributes is not an array');
  const seen = new Set<string>();
  for (const entry of list) {
    const keyValue = checkObject(entry, KEY_VALUE_FIELDS, 'KeyValue');
    if (typeof keyValue.key !== 'string') throw new StrictnessError('attribute key is not a string');
    if (seen.has(keyValue.key)) throw new StrictnessError(`duplicate attribute key ${JSON.stringify(keyValue.key)}`);
    seen.add(keyValue.key);
    if (keyValue.value !== undefined) checkAnyValue(keyValue.value, depth);
  }
}

function checkNumberField(record: Record<string, unknown>, key: string): void {
  const value = record[key];
  if (value === undefined) return;
  if (key.endsWith('UnixNano')) {
    if (!(typeof value === 'string' && NANOS.test(value)) && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      throw new StrictnessError(`${key} is not a timestamp`);
    }
  } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    if (!(key === 'severityNumber' && typeof value === 'string')) throw new StrictnessError(`${key} is not a non-negative integer`);
  }
}

/** A resource's hash function, memoised; it also fails when the key set differs from `keys`. */
function resourceHasher(resource: Record<string, unknown>, schemaUrl: unknown): (keys: readonly string[]) => string {
  const values = new Map<string, string>();
  if (Array.isArray(resource.attributes)) {
    for (const entry of resource.attributes as { key: string; value?: unknown }[]) values.set(entry.key, otlpStringForm(entry.value));
  }
  // Not attributes, but part of what the writer stated: any value here makes the key set differ.
  const dropped = resource.droppedAttributesCount;
  if (typeof dropped === 'number' && dropped !== 0) values.set('(droppedAttributesCount)', String(dropped));
  if (typeof schemaUrl === 'string' && schemaUrl !== '') values.set('(schemaUrl)', schemaUrl);
  const cache = new Map<string, string>();
  return (keys) => {
    const cacheKey = keys.join('\u0000');
    let hash = cache.get(cacheKey);
    if (hash === undefined) {
      const sameKeys = keys.length === values.size && keys.every((key) => values.has(key));
      hash = sameKeys ? hashResource(values, keys) : `different keys: ${[...values.keys()].sort().join(',')}`;
      cache.set(cacheKey, hash);
    }
    return hash;
  };
}

/** Validates one parsed export request and hands its log records to the verifier. */
export function feedLogsRequest(request: unknown, location: string, verifier: TrailVerifier): number {
  const top = checkObject(request, REQUEST_FIELDS, 'request');
  if (!Array.isArray(top.resourceLogs)) throw new StrictnessError('no resourceLogs array');
  // Validate the whole line first: a corrupt line contributes no records at all.
  const batches: { resource: Record<string, unknown>; schemaUrl: unknown; scope: unknown; records: Record<string, unknown>[] }[] = [];
  for (const resourceLogs of top.resourceLogs) {
    const rl = checkObject(resourceLogs, RESOURCE_LOGS_FIELDS, 'ResourceLogs');
    const resource = rl.resource === undefined ? {} : checkObject(rl.resource, RESOURCE_FIELDS, 'Resource');
    checkAttributes(resource.attributes);
    checkNumberField(resource, 'droppedAttributesCount');
    if (rl.scopeLogs === undefined) continue;
    if (!Array.isArray(rl.scopeLogs)) throw new StrictnessError('scopeLogs is not an array');
    for (const scopeLogs of rl.scopeLogs) {
      const sl = checkObject(scopeLogs, SCOPE_LOGS_FIELDS, 'ScopeLogs');
      if (sl.scope !== undefined) checkAttributes(checkObject(sl.scope, SCOPE_FIELDS, 'InstrumentationScope').attributes);
      if (sl.logRecords === undefined) continue;
      if (!Array.isArray(sl.logRecords)) throw new StrictnessError('logRecords is not an array');
      const records: Record<string, unknown>[] = [];
      for (const logRecord of sl.logRecords) {
        const record = checkObject(logRecord, LOG_RECORD_FIELDS, 'LogRecord');
        for (const key of ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'droppedAttributesCount', 'flags']) checkNumberField(record, key);
        checkAttributes(record.attributes);
        if (record.body !== undefined) checkAnyValue(record.body, 0);
        records.push(record);
      }
      batches.push({ resource, schemaUrl: rl.schemaUrl, scope: sl.scope, records });
    }
  }
  let count = 0;
  for (let group = 0; group < batches.length; group += 1) {
    const batch = batches[group];
    const resourceHash = resourceHasher(batch.resource, batch.schemaUrl);
    for (const record of batch.records) {
      count += 1;
      const view = projectOtlpLogRecord(record, batch.resource.attributes, batch.scope);
      verifier.add({
        projection: view.projection,
        storedHash: view.storedHash,
        eventName: view.eventName,
        eventNameKept: true,
        resourceHash,
        location: `${location}#${count}`,
        orderGroup: group,
      });
    }
  }
  verifier.endBatch();
  return count;
}

type OtlpObject = Record<string, unknown>;

function objects(value: unknown): OtlpObject[] {
  return Array.isArray(value) ? value.filter((item): item is OtlpObject => item !== null && typeof item === 'object') : [];
}

/**
 * Hands the checkpoints that runs' root spans carry (a signed copy of each run's final checkpoint)
 * to the verifier, which checks them like anchor entries: a run whose audit records were deleted
 * together with their checkpoints is then still caught. Spans are not chained, so an unreadable
 * traces line is only a warning.
 */
export function feedSpanCheckpoints(request: unknown, location: string, verifier: TrailVerifier): void {
  for (const resourceSpans of objects((request as OtlpObject).resourceSpans)) {
    for (const scopeSpans of objects(resourceSpans.scopeSpans)) {
      for (const span of objects(scopeSpans.spans)) {
        const attributes: Record<string, string> = {};
        for (const entry of objects(span.attributes)) {
          if (typeof entry.key === 'string' && entry.key.startsWith('audit.')) attributes[entry.key] = otlpStringForm(entry.value);
        }
        const chainId = attributes[ATTR_AUDIT_CHAIN_ID];
        if (attributes[ATTR_AUDIT_CHECKPOINT_SIGNATURE] === undefined || chainId === undefined) continue;
        const { statement, signature, publicKey } = statedCheckpoint(chainId, attributes);
        verifier.addAnchor({
          ...statement,
          signature,
          publicKey,
          ...(typeof span.traceId === 'string' ? { traceId: span.traceId.toLowerCase() } : {}),
          location: `${location} (root span ${typeof span.name === 'string' ? span.name : '?'})`,
          origin: 'span',
        });
      }
    }
  }
}

/**
 * Reads a journal directory or one OTLP/JSON lines file: every logs line is verified; traces lines
 * give the runs' root-span checkpoints. Lines are told apart by content, so an exported file that
 * holds both signals is read whole.
 */
export async function verifyOtlpLocation(location: string, verifier: TrailVerifier): Promise<{ segments: JournalSegment[]; lines: number }> {
  const segments = (await listSegments(location)).filter((segment) => segment.signal !== 'metrics');
  // A torn last line is tolerated in the newest logs segment of each directory (the main one and
  // each process directory: every writer has its own newest segment).
  const directoryOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');
  const newestLogs = new Map<string, number>();
  segments.forEach((segment, index) => {
    if (segment.signal !== 'traces') newestLogs.set(directoryOf(segment.name), index);
  });
  let lines = 0;
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index];
    // A journal's segments hold one signal each and are read as such (a line of a logs segment is
    // verified whatever it starts with: readers decode it as logs); a single exported file holds
    // lines of either signal.
    const single = segment.sequence < 0;
    const isLast = newestLogs.get(directoryOf(segment.name)) === index;
    try {
      for await (const line of readSegmentLines(segment)) {
        lines += 1;
        const where = `${segment.name}:${line.line}`;
        const head = line.text.slice(0, 40);
        const spansOnly = single ? head.includes('"resourceSpans"') && !line.text.includes('"resourceLogs"') : segment.signal === 'traces';
        if (spansOnly) {
          if (!line.text.includes(ATTR_AUDIT_CHECKPOINT_SIGNATURE)) continue;
          try {
            feedSpanCheckpoints(JSON.parse(line.text), where, verifier);
          } catch (error) {
            verifier.warn(`${where}: unreadable traces line skipped (${(error as Error).message}); root-span checkpoints in it were not checked`);
          }
          continue;
        }
        if (single && head.includes('"resourceMetrics"') && !line.text.includes('"resourceLogs"')) continue;
        if (line.text.length === 0 && line.terminated) {
          verifier.corruptLine(where, 'empty line');
          continue;
        }
        let request: unknown;
        try {
          request = JSON.parse(line.text);
        } catch (error) {
          verifier.corruptLine(where, (error as Error).message, !line.terminated && isLast);
          continue;
        }
        try {
          // Strict: a logs line that also carries other signals' fields is corrupt, not skipped.
          feedLogsRequest(request, where, verifier);
        } catch (error) {
          if (!(error instanceof StrictnessError)) throw error;
          verifier.corruptLine(where, error.message, !line.terminated && isLast);
        }
      }
    } catch (error) {
      // e.g. a flipped bit in a gzip member: the rest of that segment is unreadable.
      verifier.corruptLine(segment.name, `cannot read: ${(error as Error).message}`);
    }
  }
  return { segments, lines };
}
