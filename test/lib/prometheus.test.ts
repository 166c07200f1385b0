import { describe, expect, test } from 'bun:test';
import { EXPOSITION_CONTENT_TYPE, Registry } from '../../src/lib/prometheus.ts';
import { metric, parseExposition } from '../helpers/prometheus.ts';

describe('exposition writer', () => {
  test('counters and gauges: HELP, TYPE, one line per series; unused families are left out', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'Things.', ['a']);
    r.gauge('unused', 'Nothing yet.');
    c.child('one').value += 2;
    c.child('two').value++;
    c.child('one').value++;
    expect(r.render()).toBe('# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="one"} 3\nx_total{a="two"} 1\n');
  });

  test('histograms: cumulative buckets ending at +Inf, then sum and count', () => {
    const r = new Registry();
    const h = r.histogram('d_seconds', 'Durations.', ['route'], [0.1, 1]);
    const s = h.child('/x');
    for (const v of [0.05, 0.1, 0.5, 3]) s.observe(v);
    expect(r.render()).toBe(
      [
        '# HELP d_seconds Durations.',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{route="/x",le="0.1"} 2',
        'd_seconds_bucket{route="/x",le="1"} 3',
        'd_seconds_bucket{route="/x",le="+Inf"} 4',
        'd_seconds_sum{route="/x"} 3.65',
        'd_seconds_count{route="/x"} 4',
        '',
      ].join('\n'),
    );
  });

  test('label values are escaped and read back unchanged', () => {
    const r = new Registry();
    const odd = 'a "quoted"\\path\nnext';
    r.counter('odd_total', 'Help with a \\ and a\nnewline.', ['model']).child(odd).value = 1;
    const text = r.render();
    expect(text).toContain('# HELP odd_total Help with a \\\\ and a\\nnewline.');
    expect(parseExposition(text)[0]?.labels.model).toBe(odd);
  });

  test('display maps stored values; keep hides series', () => {
    const r = new Registry();
    const c = r.counter('calls_total', 'Calls.', ['organization']);
    r.gauge('up', 'Up.').child().value = 1;
    c.child('org_1').value = 5;
    c.child('org_2').value = 7;
    const text = r.render({
      display: (label, v) => (label === 'organization' ? v.replace('org_', 'name-') : v),
      keep: (names, values) => names.indexOf('organization') < 0 || values[names.indexOf('organization')] === 'org_2',
    });
    const samples = parseExposition(text);
    expect(metric(samples, 'calls_total', { organization: 'name-2' })).toBe(7);
    expect(metric(samples, 'calls_total', { organization: 'name-1' })).toBe(0);
    expect(metric(samples, 'up')).toBe(1);
    expect(r.valuesOf('organization')).toEqual(new Set(['org_1', 'org_2']));
  });

  test('a wrong number of label values and a duplicate family are programming errors', () => {
    const r = new Registry();
    const c = r.counter('a_total', 'A.', ['x', 'y']);
    expect(() => c.child('only-one')).toThrow(/takes 2 label values/);
    expect(() => r.gauge('a_total', 'again')).toThrow(/registered twice/);
    expect(EXPOSITION_CONTENT_TYPE).toStartWith('text/plain; version=0.0.4');
  });
});
