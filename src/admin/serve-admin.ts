import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createAdmin, type Admin, type AdminOptions } from './create-admin.ts';

/**
 * The options of `serveAdmin`: those of `createAdmin`, and the address to listen on (loopback by default).
 */
export interface ServeAdminOptions extends AdminOptions {
  /** @defaultValue 4680 (0 picks a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
}

/** A running admin server (see `serveAdmin`): its admin, its address and `close()`. */
export interface AdminServer {
  readonly admin: Admin;
  /** `http://host:port` plus the base path, with a trailing slash: the dashboard. */
  readonly url: string;
  readonly port: number;
  /** Ends the event streams and stops listening. */
  close(): Promise<void>;
}

/** Listens on `host:port` with `@hono/node-server` and serves the admin there. */
export async function serveAdmin(options: ServeAdminOptions): Promise<AdminServer> {
  const admin = createAdmin(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: admin.fetch, port: options.port ?? 4680, hostname: host }, () => resolve(created as Server)) as Server;
    created.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    admin,
    url: `http://${shownHost}:${port}${options.basePath ?? ''}/`,
    port,
    async close() {
      await admin.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
