import { EXIT, table, type CliCommand } from '../command';
import { openErrorStore, printable, readErrorsConfig } from './errors';

export const healthCommand: CliCommand = {
  name: 'health',
  summary: 'Show whether tasks, migrations, the store and breakers are healthy, degraded or failing',
  usage: ['rebound health   (exit 0 when healthy or degraded, 1 when a component is failing)'],
  args: [0, 0],
  async run(ctx) {
    const config = readErrorsConfig(ctx.cwd);
    const store = openErrorStore(ctx, false, config);
    try {
      const report = store.health();
      ctx.out.json({ ok: report.status !== 'failing', health: report });
      ctx.out.line(`Overall: ${report.status}`);
      ctx.out.line('');
      ctx.out.line(
        table(
          ['COMPONENT', 'STATUS', 'UNRESOLVED', 'CRITICAL', 'EVENTS 24H', 'OPEN BREAKERS', 'WHY'],
          report.components.map((c) => [
            printable(c.component),
            c.status,
            c.metrics.unresolvedIssues,
            c.metrics.unresolvedCritical,
            c.metrics.events24h,
            c.metrics.openBreakers,
            c.reasons.join('; '),
          ]),
        ),
      );
      return report.status === 'failing' ? EXIT.failed : EXIT.ok;
    } finally {
      store.close();
    }
  },
};
