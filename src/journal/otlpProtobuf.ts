/**
 * Converts an OTLP/JSON export request (as stored in the journal) into the OTLP protobuf wire
 * format, driven by a table of the OTLP message definitions (opentelemetry-proto v1: collector
 * {trace,logs,metrics}/v1 services, trace/v1, logs/v1, metrics/v1, common/v1, resource/v1).
 * Accepts what the JSON mapping allows: hex ids, int64 as strings or numbers, enums as integers,
 * bytes as base64, doubles as numbers or "NaN"/"Infinity"/"-Infinity". Unknown fields are ignored.
 */

type ScalarType =
  | 'string'
  | 'bool'
  | 'int64'
  | 'uint32'
  | 'enum'
  | 'sint32'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'double'
  | 'hexBytes'
  | 'base64Bytes'
  | 'uint64';

interface FieldSpec {
  readonly number: number;
  readonly type: ScalarType | MessageSpec;
  readonly repeated?: boolean;
}

type MessageSpec = { readonly [jsonName: string]: FieldSpec };

const f = (number: number, type: ScalarType | (() => MessageSpec), repeated = false): FieldSpec => ({
  number,
  get type() {
    return typeof type === 'function' ? type() : type;
  },
  repeated,
});

const ANY_VALUE: MessageSpec = {
  stringValue: f(1, 'string'),
  boolValue: f(2, 'bool'),
  intValue: f(3, 'int64'),
  doubleValue: f(4, 'double'),
  arrayValue: f(5, () => ARRAY_VALUE),
  kvlistValue: f(6, () => KEY_VALUE_LIST),
  bytesValue: f(7, 'base64Bytes'),
};
const KEY_VALUE: MessageSpec = { key: f(1, 'string'), value: f(2, () => ANY_VALUE) };
const ARRAY_VALUE: MessageSpec = { values: f(1, () => ANY_VALUE, true) };
const KEY_VALUE_LIST: MessageSpec = { values: f(1, () => KEY_VALUE, true) };
const RESOURCE: MessageSpec = { attributes: f(1, () => KEY_VALUE, true), droppedAttributesCount: f(2, 'uint32') };
const SCOPE: MessageSpec = {
  name: f(1, 'string'),
  version: f(2, 'string'),
  attributes: f(3, () => KEY_VALUE, true),
  droppedAttributesCount: f(4, 'uint32'),
};

const SPAN_EVENT: MessageSpec = {
  timeUnixNano: f(1, 'fixed64'),
  name: f(2, 'string'),
  attributes: f(3, () => KEY_VALUE, true),
  droppedAttributesCount: f(4, 'uint32'),
};
const SPAN_LINK: MessageSpec = {
  traceId: f(1, 'hexBytes'),
  spanId: f(2, 'hexBytes'),
  traceState: f(3, 'string'),
  attributes: f(4, () => KEY_VALUE, true),
  droppedAttributesCount: f(5, 'uint32'),
  flags: f(6, 'fixed32'),
};
const STATUS: MessageSpec = { message: f(2, 'string'), code: f(3, 'enum') };
const SPAN: MessageSpec = {
  traceId: f(1, 'hexBytes'),
  spanId: f(2, 'hexBytes'),
  traceState: f(3, 'string'),
  parentSpanId: f(4, 'hexBytes'),
  flags: f(16, 'fixed32'),
  name: f(5, 'string'),
  kind: f(6, 'enum'),
  startTimeUnixNano: f(7, 'fixed64'),
  endTimeUnixNano: f(8, 'fixed64'),
  attributes: f(9, () => KEY_VALUE, true),
  droppedAttributesCount: f(10, 'uint32'),
  events: f(11, () => SPAN_EVENT, true),
  droppedEventsCount: f(12, 'uint32'),
  links: f(13, () => SPAN_LINK, true),
  droppedLinksCount: f(14, 'uint32'),
  status: f(15, () => STATUS),
};
const SCOPE_SPANS: MessageSpec = { scope: f(1, () => SCOPE), spans: f(2, () => SPAN, true), schemaUrl: f(3, 'string') };
const RESOURCE_SPANS: MessageSpec = {
  resource: f(1, () => RESOURCE),
  scopeSpans: f(2, () => SCOPE_SPANS, true),
  schemaUrl: f(3, 'string'),
};
const TRACES_REQUEST: MessageSpec = { resourceSpans: f(1, () => RESOURCE_SPANS, true) };

const LOG_RECORD: MessageSpec = {
  timeUnixNano: f(1, 'fixed64'),
  observedTimeUnixNano: f(11, 'fixed64'),
  severityNumber: f(2, 'enum'),
  severityText: f(3, 'string'),
  body: f(5, () => ANY_VALUE),
  attributes: f(6, () => KEY_VALUE, true),
  droppedAttributesCount: f(7, 'uint32'),
  flags: f(8, 'fixed32'),
  traceId: f(9, 'hexBytes'),
  spanId: f(10, 'hexBytes'),
  eventName: f(12, 'string'),
};
const SCOPE_LOGS: MessageSpec = { scope: f(1, () => SCOPE), logRecords: f(2, () => LOG_RECORD, true), schemaUrl: f(3, 'string') };
const RESOURCE_LOGS: MessageSpec = {
  resource: f(1, () => RESOURCE),
  scopeLogs: f(2, () => SCOPE_LOGS, true),
  schemaUrl: f(3, 'string'),
};
const LOGS_REQUEST: MessageSpec = { resourceLogs: f(1, () => RESOURCE_LOGS, true) };

const EXEMPLAR: MessageSpec = {
  filteredAttributes: f(7, () => KEY_VALUE, true),
  timeUnixNano: f(2, 'fixed64'),
  asDouble: f(3, 'double'),
  asInt: f(6, 'sfixed64'),
  spanId: f(4, 'hexBytes'),
  traceId: f(5, 'hexBytes'),
};
const NUMBER_POINT: MessageSpec = {
  attributes: f(7, () => KEY_VALUE, true),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  asDouble: f(4, 'double'),
  asInt: f(6, 'sfixed64'),
  exemplars: f(5, () => EXEMPLAR, true),
  flags: f(8, 'uint32'),
};
const HISTOGRAM_POINT: MessageSpec = {
  attributes: f(9, () => KEY_VALUE, true),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  bucketCounts: f(6, 'fixed64', true),
  explicitBounds: f(7, 'double', true),
  exemplars: f(8, () => EXEMPLAR, true),
  flags: f(10, 'uint32'),
  min: f(11, 'double'),
  max: f(12, 'double'),
};
const BUCKETS: MessageSpec = { offset: f(1, 'sint32'), bucketCounts: f(2, 'uint64', true) };
const EXPONENTIAL_HISTOGRAM_POINT: MessageSpec = {
  attributes: f(1, () => KEY_VALUE, true),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  scale: f(6, 'sint32'),
  zeroCount: f(7, 'fixed64'),
  positive: f(8, () => BUCKETS),
  negative: f(9, () => BUCKETS),
  flags: f(10, 'uint32'),
  exemplars: f(11, () => EXEMPLAR, true),
  min: f(12, 'double'),
  max: f(13, 'double'),
  zeroThreshold: f(14, 'double'),
};
const QUANTILE: MessageSpec = { quantile: f(1, 'double'), value: f(2, 'double') };
const SUMMARY_POINT: MessageSpec = {
  attributes: f(7, () => KEY_VALUE, true),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  quantileValues: f(6, () => QUANTILE, true),
  flags: f(8, 'uint32'),
};
const METRIC: MessageSpec = {
  name: f(1, 'string'),
  description: f(2, 'string'),
  unit: f(3, 'string'),
  gauge: f(5, () => ({ dataPoints: f(1, () => NUMBER_POINT, true) })),
  sum: f(7, () => ({
    dataPoints: f(1, () => NUMBER_POINT, true),
    aggregationTemporality: f(2, 'enum'),
    isMonotonic: f(3, 'bool'),
  })),
  histogram: f(9, () => ({ dataPoints: f(1, () => HISTOGRAM_POINT, true), aggregationTemporality: f(2, 'enum') })),
  exponentialHistogram: f(10, () => ({
    dataPoints: f(1, () => EXPONENTIAL_HISTOGRAM_POINT, true),
    aggregationTemporality: f(2, 'enum'),
  })),
  summary: f(11, () => ({ dataPoints: f(1, () => SUMMARY_POINT, true) })),
  metadata: f(12, () => KEY_VALUE, true),
};
const SCOPE_METRICS: MessageSpec = { scope: f(1, () => SCOPE), metrics: f(2, () => METRIC, true), schemaUrl: f(3, 'string') };
const RESOURCE_METRICS: MessageSpec = {
  resource: f(1, () => RESOURCE),
  scopeMetrics: f(2, () => SCOPE_METRICS, true),
  schemaUrl: f(3, 'string'),
};
const METRICS_REQUEST: MessageSpec = { resourceMetrics: f(1, () => RESOURCE_METRICS, true) };

/** The export request message of each signal. */
const REQUEST_SPECS = { traces: TRACES_REQUEST, logs: LOGS_REQUEST, metrics: METRICS_REQUEST } as const;

/** Growable byte buffer with the protobuf primitive writers. */
class ProtobufWriter {
  private buffer = Buffer.allocUnsafe(4096);
  position = 0;

  private ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.position);
    this.buffer = next;
  }

  varint(value: bigint | number): void {
    if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.ensure(10);
      let small = value;
      while (small >= 0x80) {
        this.buffer[this.position++] = (small % 0x80) | 0x80;
        small = Math.floor(small / 0x80);
      }
      this.buffer[this.position++] = small;
      return;
    }
    let remaining = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (remaining >= 0x80n) {
      this.buffer[this.position++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.buffer[this.position++] = Number(remaining);
  }

  smallVarint(value: number): void {
    if (value < 0 || value > 0x7fffffff) {
      this.varint(value);
      return;
    }
    this.ensure(5);
    let remaining = value;
    while (remaining >= 0x80) {
      this.buffer[this.position++] = (remaining & 0x7f) | 0x80;
      remaining >>>= 7;
    }
    this.buffer[this.position++] = remaining;
  }

  tag(field: number, wireType: number): void {
    this.smallVarint((field << 3) | wireType);
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.position);
    this.position += 4;
  }

  fixed64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigUInt64LE(BigInt.asUintN(64, value), this.position);
    this.position += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  bytes(value: Uint8Array): void {
    this.smallVarint(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
  }

  string(value: string): void {
    const length = Buffer.byteLength(value);
    this.smallVarint(length);
    this.ensure(length);
    this.position += this.buffer.write(value, this.position, length, 'utf8');
  }

  /** Writes a length-delimited submessage produced by `body`. */
  nested(body: () => void): void {
    // Reserve 5 bytes for the length, write the body, then move it left if fewer were needed.
    this.ensure(5);
    const lengthAt = this.position;
    this.position += 5;
    body();
    const length = this.position - lengthAt - 5;
    const lengthBytes: number[] = [];
    let remaining = length;
    while (remaining >= 0x80) {
      lengthBytes.push((remaining & 0x7f) | 0x80);
      remaining >>>= 7;
    }
    lengthBytes.push(remaining);
    const shift = 5 - lengthBytes.length;
    if (shift > 0) this.buffer.copy(this.buffer, lengthAt + lengthBytes.length, lengthAt + 5, this.position);
    for (let index = 0; index < lengthBytes.length; index++) this.buffer[lengthAt + index] = lengthBytes[index]!;
    this.position -= shift;
  }

  finish(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.position);
  }
}

/** An integer field's value as a number when that is exact, else as a bigint. */
function toInteger(value: unknown): number | bigint {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= 15) return Number(value);
  return toBigInt(value);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string' && value !== '') return BigInt(value);
  return 0n;
}

function toDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(value);
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

function isDefault(type: ScalarType, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  switch (type) {
    case 'string':
    case 'hexBytes':
    case 'base64Bytes':
      return value === '';
    case 'bool':
      return value === false;
    case 'double':
      return value === 0;
    default:
      return value === 0 || value === '0';
  }
}

function writeScalar(writer: ProtobufWriter, field: number, type: ScalarType, value: unknown): void {
  switch (type) {
    case 'string':
      writer.tag(field, WIRE_LENGTH);
      writer.string(String(value));
      return;
    case 'bool':
      writer.tag(field, WIRE_VARINT);
      writer.smallVarint(value ? 1 : 0);
      return;
    case 'int64':
    case 'uint64':
      writer.tag(field, WIRE_VARINT);
      writer.varint(toInteger(value));
      return;
    case 'uint32':
    case 'enum':
      writer.tag(field, WIRE_VARINT);
      writer.varint(Number(value));
      return;
    case 'sint32': {
      const number = Number(value) | 0;
      writer.tag(field, WIRE_VARINT);
      writer.smallVarint(((number << 1) ^ (number >> 31)) >>> 0);
      return;
    }
    case 'fixed32':
      writer.tag(field, WIRE_FIXED32);
      writer.fixed32(Number(value));
      return;
    case 'fixed64':
    case 'sfixed64':
      writer.tag(field, WIRE_FIXED64);
      writer.fixed64(toBigInt(value));
      return;
    case 'double':
      writer.tag(field, WIRE_FIXED64);
      writer.double(toDouble(value));
      return;
    case 'hexBytes':
      writer.tag(field, WIRE_LENGTH);
      writer.bytes(Buffer.from(String(value), 'hex'));
      return;
    case 'base64Bytes':
      writer.tag(field, WIRE_LENGTH);
      writer.bytes(Buffer.from(String(value), 'base64'));
      return;
  }
}

function writePacked(writer: ProtobufWriter, field: number, type: ScalarType, values: unknown[]): void {
  if (values.length === 0) return;
  writer.tag(field, WIRE_LENGTH);
  writer.nested(() => {
    for (const value of values) {
      if (type === 'double') writer.double(toDouble(value));
      else if (type === 'fixed64') writer.fixed64(toBigInt(value));
      else writer.varint(toInteger(value));
    }
  });
}

function writeMessage(writer: ProtobufWriter, spec: MessageSpec, message: Record<string, unknown>): void {
  for (const name of Object.keys(message)) {
    const fieldSpec = spec[name];
    const value = message[name];
    if (fieldSpec === undefined || value === undefined || value === null) continue;
    const type = fieldSpec.type;
    if (fieldSpec.repeated) {
      if (!Array.isArray(value)) continue;
      if (typeof type === 'string') {
        writePacked(writer, fieldSpec.number, type, value);
        continue;
      }
      for (const item of value) {
        writer.tag(fieldSpec.number, WIRE_LENGTH);
        writer.nested(() => writeMessage(writer, type, (item ?? {}) as Record<string, unknown>));
      }
    } else if (typeof type === 'string') {
      // oneof members (AnyValue, data point values) must be written even when they hold the default.
      if (spec === ANY_VALUE || name === 'asInt' || name === 'asDouble' || !isDefault(type, value)) {
        writeScalar(writer, fieldSpec.number, type, value);
      }
    } else if (typeof value === 'object') {
      writer.tag(fieldSpec.number, WIRE_LENGTH);
      writer.nested(() => writeMessage(writer, type, value as Record<string, unknown>));
    }
  }
}

/** Encodes a parsed OTLP/JSON export request of `signal` as protobuf bytes. Throws on malformed input. */
export function encodeRequestAsProtobuf(signal: 'traces' | 'logs' | 'metrics', request: object): Uint8Array {
  const writer = new ProtobufWriter();
  writeMessage(writer, REQUEST_SPECS[signal], request as Record<string, unknown>);
  return writer.finish();
}

/** What an OTLP export response reports in `partial_success`. */
export interface ExportPartialSuccess {
  /** `rejected_spans` / `rejected_log_records` / `rejected_data_points` (0 when absent). */
  readonly rejected: number;
  /** `error_message` (`''` when absent). */
  readonly errorMessage: string;
}

/** Minimal protobuf reader: varints, and skipping fields of every wire type but groups. */
class ProtobufReader {
  position = 0;
  private readonly bytes: Uint8Array;
  private readonly end: number;

  // No parameter properties: node's type stripping (used by the crash test's child) rejects them.
  constructor(bytes: Uint8Array, end = bytes.length) {
    this.bytes = bytes;
    this.end = end;
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.position >= this.end) throw new Error('truncated varint');
      const byte = this.bytes[this.position++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** Returns [start, end) of a length-delimited field's payload and moves past it. */
  lengthDelimited(): [number, number] {
    const length = Number(this.varint());
    const start = this.position;
    if (start + length > this.end) throw new Error('truncated length-delimited field');
    this.position += length;
    return [start, start + length];
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.position += 8;
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.position += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (this.position > this.end) throw new Error('truncated field');
  }
}

/**
 * Decodes `partial_success` (field 1) of a protobuf ExportTraceServiceResponse,
 * ExportLogsServiceResponse or ExportMetricsServiceResponse: `{ int64 rejected_* = 1; string
 * error_message = 2 }`, the same shape for the three signals. An empty body, or one without the
 * field, is a full success (`undefined`). Throws on bytes that are not such a message.
 */
export function decodeExportPartialSuccess(body: Uint8Array): ExportPartialSuccess | undefined {
  const reader = new ProtobufReader(body);
  let partial: ExportPartialSuccess | undefined;
  while (!reader.done) {
    const tag = Number(reader.varint());
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LENGTH) {
      const [start, end] = reader.lengthDelimited();
      const inner = new ProtobufReader(body, end);
      inner.position = start;
      // Proto3 merges repeated occurrences of a message field: fields present later win.
      let rejected = BigInt(partial?.rejected ?? 0);
      let errorMessage = partial?.errorMessage ?? '';
      while (!inner.done) {
        const innerTag = Number(inner.varint());
        if (innerTag >>> 3 === 1 && (innerTag & 7) === WIRE_VARINT) rejected = BigInt.asIntN(64, inner.varint());
        else if (innerTag >>> 3 === 2 && (innerTag & 7) === WIRE_LENGTH) {
          const [from, to] = inner.lengthDelimited();
          errorMessage = Buffer.from(body.buffer, body.byteOffset + from, to - from).toString('utf8');
        } else inner.skip(innerTag & 7);
      }
      partial = { rejected: Number(rejected), errorMessage };
    } else reader.skip(tag & 7);
  }
  return partial;
}
