import { parseCommandArgs } from '../args.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { openStoreFromUrl, parseStoreUrl } from '../store-url.ts';

export const migrate: Command = {
  name: 'migrate',
  summary: 'create or upgrade the store schema (run it at deploy time)',
  help: [
    'Usage: sundial migrate [--store <url>] [--json]',
    '',
    'Brings the store schema up to date and says what it applied. Nodes also migrate on start;',
    'run this at deploy time when the application role may not change the schema',
    '(PostgresStore option `migrate: false`). Safe to run while nodes are up, and on several',
    'machines at once (PostgreSQL takes an advisory lock; SQLite a write lock).',
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {});
    const location = parseStoreUrl(storeUrl);
    if (location.kind === 'postgres') {
      const { migrate: migratePostgres } = await import('../../postgres/index.ts');
      const report = await migratePostgres({ connectionString: location.connectionString, ...(location.schema ? { schema: location.schema } : {}) });
      io.out(
        json
          ? JSON.stringify(report, null, 2)
          : report.applied.length === 0
            ? `Schema is up to date (version ${report.toVersion}).`
            : `Migrated from version ${report.fromVersion} to ${report.toVersion}: ${report.applied.join(', ')}.`,
      );
      return 0;
    }
    // The other stores migrate as they open.
    const store = await openStoreFromUrl(storeUrl);
    await store.close();
    io.out(json ? JSON.stringify({ store: store.name, upToDate: true }, null, 2) : `The ${store.name} store is up to date.`);
    return 0;
  },
};
