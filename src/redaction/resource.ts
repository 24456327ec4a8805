/** Redacting a Resource's attributes (they reach every exporter, and Prometheus' target_info). */
import { diag } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { RedactionReport, type Redactor } from './Redactor.js';

/**
 * Returns a Resource with redacted attributes (the same object when nothing was redacted).
 * Call it on a settled resource (after `waitForAsyncAttributes()`); with attributes still
 * pending, only the settled ones are kept, so nothing unredacted can arrive later.
 */
export function redactResource(resource: Resource, redactor: Redactor, report = new RedactionReport('resource')): Resource {
  try {
    if (resource.asyncAttributesPending === true) {
      diag.warn('swarmtrail redaction: resource has pending async attributes; only settled ones are kept');
    }
    const attributes = resource.attributes;
    const before = report.total;
    const redacted = redactor.redactAttributes(attributes, report);
    if (report.total === before && Object.keys(redacted).length === Object.keys(attributes).length) return resource;
    return resourceFromAttributes(redacted, resource.schemaUrl === undefined ? undefined : { schemaUrl: resource.schemaUrl });
  } catch (error) {
    diag.error('swarmtrail redaction: resource could not be redacted; exporting an empty resource', error);
    report.add('redaction_error');
    return resourceFromAttributes({});
  }
}
