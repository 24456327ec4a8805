import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../grafana/src/config.js';
import { GRAFANA_DIRECTORY, dashboardFiles, readDashboard, readYaml, scanDashboard, type Json } from './expressions.js';

const datasources = readYaml('provisioning/datasources/swarmtrail.yaml').datasources;
const provisionedUids = new Set<string>(datasources.map((ds: Json) => ds.uid));
const rules = readYaml('provisioning/alerting/rules.yaml').groups.flatMap((group: Json) => group.rules);

/** Parses a Prometheus/Grafana duration such as `1h30m` into seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  const parts = [...duration.matchAll(/(\d+)([smhd])/g)];
  expect(parts.map((p) => p[0]).join(''), `bad duration ${duration}`).toBe(duration);
  return parts.reduce((total, [, value, unit]) => total + Number(value) * units[unit], 0);
}

describe('datasources', () => {
  it('provisions Prometheus, Loki and Tempo with fixed uids and compose URLs', () => {
    expect(datasources.map((ds: Json) => [ds.type, ds.uid, ds.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus:9090'],
      ['loki', 'loki', 'http://loki:3100'],
      ['tempo', 'tempo', 'http://tempo:3200'],
    ]);
  });

  it('links metrics -> traces -> audit records -> traces', () => {
    const [prometheus, loki, tempo] = datasources;
    expect(prometheus.jsonData.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'tempo', urlDisplayLabel: 'View trace' }]);
    expect(loki.jsonData.derivedFields[0]).toMatchObject({ matcherType: 'label', matcherRegex: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}' });
    expect(tempo.jsonData.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', customQuery: true, query: '{$${__tags}} | trace_id="$${__trace.traceId}"' });
    expect(tempo.jsonData.serviceMap).toEqual({ datasourceUid: 'prometheus' });
    expect(tempo.jsonData.tracesToMetrics.datasourceUid).toBe('prometheus');
  });

  it('links only to provisioned datasource uids', () => {
    const linked: string[] = [];
    const walk = (value: Json): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'datasourceUid') linked.push(inner as string);
          walk(inner);
        }
      }
    };
    walk(datasources);
    expect(new Set(linked)).toEqual(new Set(['prometheus', 'loki', 'tempo']));
    expect(linked.filter((uid) => !provisionedUids.has(uid))).toEqual([]);
  });

  it('escapes every Grafana link variable from provisioning environment expansion', () => {
    const text = readFileSync(join(GRAFANA_DIRECTORY, 'provisioning/datasources/swarmtrail.yaml'), 'utf8');
    // A lone `$` would be read by Grafana as an environment variable and replaced.
    expect(text.replace(/\$\$/g, '')).not.toContain('$');
  });
});

describe('dashboards', () => {
  const dashboards = dashboardFiles().map((file) => ({ file, dashboard: readDashboard(file) }));

  it('has the four dashboards with stable, unique uids', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.uid).sort()).toEqual([
      'swarmtrail-audit-security',
      'swarmtrail-overview',
      'swarmtrail-pipeline-health',
      'swarmtrail-run-explorer',
    ]);
    expect(new Set(dashboards.map(({ dashboard }) => dashboard.title)).size).toBe(4);
  });

  it('references only provisioned datasource uids', () => {
    for (const { file } of dashboards) {
      const scan = scanDashboard(file);
      expect([...scan.datasourceUids].filter((uid) => !provisionedUids.has(uid)), file).toEqual([]);
    }
  });

  it('has unique panel ids and panels that fit the 24-column grid', () => {
    for (const { file, dashboard } of dashboards) {
      const ids = dashboard.panels.map((panel: Json) => panel.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of dashboard.panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${file} ${panel.title}`).toBeLessThanOrEqual(24);
        expect(panel.description, `${file} ${panel.title}`).toBeTruthy();
        expect(panel.targets.length, `${file} ${panel.title}`).toBeGreaterThan(0);
      }
    }
  });

  it('loads from the folder the provider points at', () => {
    const provider = readYaml('provisioning/dashboards/swarmtrail.yaml').providers[0];
    expect(provider).toMatchObject({
      type: 'file',
      folder: 'Swarmtrail',
      folderUid: 'swarmtrail',
      options: { path: '/var/lib/grafana/dashboards' },
    });
  });

  it('links run tables to the Run explorer by trace id', () => {
    const links = dashboards.flatMap(({ dashboard }) =>
      dashboard.panels.flatMap((panel: Json) => panel.fieldConfig?.overrides?.flatMap((o: Json) => o.properties.flatMap((p: Json) => p.value)) ?? []),
    );
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) expect(link.url).toMatch(/^\/d\/swarmtrail-run-explorer\/run-explorer\?var-trace_id=\$\{__value\.raw\}/);
  });
});

describe('alerting', () => {
  const expectedTitles = [
    'SwarmtrailToolErrorRateHigh',
    'SwarmtrailToolLatencyHigh',
    'SwarmtrailLlmErrorRateHigh',
    'SwarmtrailTokenBudgetExceeded',
    'SwarmtrailSecretAccessDenied',
    'SwarmtrailRunsFailed',
    'SwarmtrailNoRuns',
    'SwarmtrailCollectorExportFailing',
    'SwarmtrailCollectorQueueNearlyFull',
    'SwarmtrailJournalBacklogGrowing',
    'SwarmtrailJournalOldestUnshippedTooOld',
    'SwarmtrailJournalRecordsDropped',
    'SwarmtrailIntegrityVerificationFailed',
  ];

  it('provisions every rule the issue asks for, in a folder of its own', () => {
    expect(rules.map((rule: Json) => rule.title)).toEqual(expectedTitles);
    // Not the dashboards' folder: see GeneratorConfig.alertFolderTitle.
    expect(readYaml('provisioning/alerting/rules.yaml').groups[0].folder).toBe('Swarmtrail alerts');
    expect(new Set(rules.map((rule: Json) => rule.uid)).size).toBe(rules.length);
  });

  it('gives every rule a summary, description, runbook, severity and a sensible for', () => {
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.uid).toBeTruthy();
      expect(rule.annotations.description.length, rule.uid).toBeGreaterThan(30);
      expect(rule.annotations.runbook.length, rule.uid).toBeGreaterThan(60);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(seconds(rule.for), rule.uid).toBeLessThanOrEqual(seconds('15m'));
      expect(rule.condition).toBe('C');
      expect(rule.data.map((d: Json) => d.datasourceUid)).toEqual(['prometheus', '__expr__']);
      // Labels are expanded from the environment by Grafana: they must hold no `$`.
      expect(JSON.stringify(rule.labels)).not.toContain('$');
      expect(JSON.stringify(rule.data)).not.toContain('$');
    }
  });

  it('uses the configurable thresholds', () => {
    const threshold = (uid: string) => rules.find((r: Json) => r.uid === uid).data[1].model.conditions[0].evaluator.params[0];
    expect(threshold('swarmtrail-token-budget')).toBe(DEFAULT_CONFIG.thresholds.hourlyTokenBudget);
    expect(threshold('swarmtrail-tool-error-rate')).toBe(0.05);
    expect(threshold('swarmtrail-tool-latency')).toBe(5);
    const noRuns = rules.find((r: Json) => r.uid === 'swarmtrail-no-runs').data[0].model.expr;
    expect(noRuns).toContain(`[${DEFAULT_CONFIG.thresholds.noRunsPeriod}]`);
  });

  it('sends to a webhook whose URL comes from the environment', () => {
    const contactPoints = readYaml('provisioning/alerting/contact-points.yaml').contactPoints;
    expect(contactPoints).toEqual([
      {
        orgId: 1,
        name: 'swarmtrail-webhook',
        receivers: [
          { uid: 'swarmtrail-webhook', type: 'webhook', settings: { url: '${SWARMTRAIL_ALERT_WEBHOOK_URL}', httpMethod: 'POST' }, disableResolveMessage: false },
        ],
      },
    ]);
  });

  it('routes every severity the rules use through the notification policy', () => {
    const policy = readYaml('provisioning/alerting/policies.yaml').policies[0];
    expect(policy.receiver).toBe('swarmtrail-webhook');
    const routed = policy.routes.map((route: Json) => route.object_matchers[0]);
    for (const severity of new Set(rules.map((r: Json) => r.labels.severity))) {
      expect(routed).toContainEqual(['severity', '=', severity]);
    }
    const critical = policy.routes.find((r: Json) => r.object_matchers[0][2] === 'critical');
    const warning = policy.routes.find((r: Json) => r.object_matchers[0][2] === 'warning');
    expect(seconds(critical.repeat_interval)).toBeLessThan(seconds(warning.repeat_interval));
  });
});

describe('docs/grafana.md', () => {
  const docs = readFileSync(join(GRAFANA_DIRECTORY, '..', 'docs', 'grafana.md'), 'utf8');

  it('documents the price table the cost panels use', () => {
    for (const price of DEFAULT_CONFIG.prices) {
      expect(docs).toContain(`| ${price.model} | ${price.inputPerMillionTokens} | ${price.outputPerMillionTokens} |`);
    }
  });

  it('documents every alert rule and the webhook variable', () => {
    for (const rule of rules) expect(docs).toContain(rule.title);
    expect(docs).toContain('SWARMTRAIL_ALERT_WEBHOOK_URL');
  });
});
