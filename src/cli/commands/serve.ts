import { InvalidArgumentError } from '../../index.ts';
import type { AdminAuth, AdminRole } from '../../admin/index.ts';
import { parseCommandArgs, parsePositiveInt } from '../args.ts';
import type { CliIo, Command } from '../command.ts';
import { openStoreFromUrl } from '../store-url.ts';

const defaultPort = 4680;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

export const serve: Command = {
  name: 'serve',
  summary: 'serve the admin API and the live dashboard over HTTP',
  help: [
    'Usage: sundial serve [--store <url>] [--port <n>] [--host <addr>] [--token <t>] [--read-token <t>]',
    '',
    'Serves the dashboard at / and the admin API at /api (OpenAPI at /api/openapi.json) for the',
    'store, until Ctrl-C. It fires no schedule and runs no job: run your nodes as usual.',
    'A token is required: --token or $SUNDIAL_ADMIN_TOKEN (role operate), --read-token or',
    '$SUNDIAL_ADMIN_READ_TOKEN (role read; GET only). Tokens have at least 16 characters.',
    '',
    'Options:',
    '  --store <url>          sqlite:./file.db, sqlite:///abs/file.db, file.db or memory:',
    '                         (default: $SUNDIAL_STORE, else sqlite:./sundial.db)',
    `  --port <n>             port to listen on (default ${defaultPort})`,
    '  --host <addr>          address to bind (default 127.0.0.1)',
    '  --token <t>            operator token (default $SUNDIAL_ADMIN_TOKEN)',
    '  --read-token <t>       read-only token (default $SUNDIAL_ADMIN_READ_TOKEN)',
    '  --open-loopback-dev    no token, for local development: binds loopback only',
    '  -h, --help             show this help',
  ].join('\n'),
  async run(argv, io) {
    const { values, storeUrl } = parseCommandArgs(this.name, argv, io.env, {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'read-token': { type: 'string' },
      'open-loopback-dev': { type: 'boolean', default: false },
    });
    const host = values.host ?? '127.0.0.1';
    const port = values.port === '0' ? 0 : parsePositiveInt(values.port, 'port', defaultPort);
    const auth = serveAuth(values.token ?? env(io, 'SUNDIAL_ADMIN_TOKEN'), values['read-token'] ?? env(io, 'SUNDIAL_ADMIN_READ_TOKEN'), values['open-loopback-dev'] === true, host);
    const store = await openStoreFromUrl(storeUrl, { mustExist: true });
    try {
      // Loaded here: the other commands need no HTTP server.
      const { serveAdmin } = await import('../../admin/index.ts');
      const server = await serveAdmin({ store, auth, host, port });
      io.out(`Sundial admin for ${storeUrl} at ${server.url} (API ${server.url}api, Ctrl-C to stop)`);
      if ('open' in auth) io.out('Warning: no token (--open-loopback-dev): anyone on this machine can operate the scheduler.');
      const signal = await waitForStop();
      io.out(`${signal}: stopping.`);
      await server.close();
    } finally {
      await store.close();
    }
    return 0;
  },
};

/** Tokens from flags or the environment; without any, only an explicit loopback development mode. */
export function serveAuth(operateToken: string | undefined, readToken: string | undefined, openLoopbackDev: boolean, host: string): AdminAuth {
  const tokens: Array<{ token: string; role: AdminRole }> = [];
  if (operateToken) tokens.push({ token: operateToken, role: 'operate' });
  if (readToken) tokens.push({ token: readToken, role: 'read' });
  if (tokens.length > 0) return { tokens };
  if (!openLoopbackDev) {
    throw new InvalidArgumentError(
      'Refusing to serve without a token: pass --token <t> or set SUNDIAL_ADMIN_TOKEN (or --open-loopback-dev for local development); see `sundial serve --help`',
    );
  }
  if (!loopbackHosts.has(host)) {
    throw new InvalidArgumentError(`--open-loopback-dev binds loopback only, got --host ${host}; see \`sundial serve --help\``);
  }
  return { open: 'loopback-dev' };
}

function env(io: CliIo, name: string): string | undefined {
  const value = io.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
