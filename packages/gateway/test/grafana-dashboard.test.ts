import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayMetrics } from '../src/app/metrics.js';

/** The dashboard beside the README (packages/gateway/grafana-dashboard.json), importable into Grafana. */
describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'grafana-dashboard.json'), 'utf8')) as {
    __inputs: { name: string }[];
    panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  };

  it('queries only metrics the gateway exports', async () => {
    const counts = { hits: 0, misses: 0 };
    const metrics = new GatewayMetrics({ tokenValidation: () => counts, remoteTokens: () => counts, locations: () => counts, store: () => ({ ...counts, errors: 0 }) });
    const exported = new Set([...(await metrics.registry.metrics()).matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]));
    const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\bk2k_\w+/g) ?? [])));
    expect(queried.size).to.be.greaterThan(10);
    const missing = [...queried].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing, 'queried but not exported').to.deep.equal([]);
  });

  it('asks for its Prometheus data source on import', () => {
    expect(dashboard.__inputs.map((input) => input.name)).to.deep.equal(['DS_PROMETHEUS']);
    for (const panel of dashboard.panels) expect(panel.datasource.uid, panel.title).to.equal('${DS_PROMETHEUS}');
  });
});
