// Server-sent events for the API node: each connected client gets every published event once, as
// `id: <seq>`, `event: <name>`, `data: <json>`. The id is the event's seq in the store's event
// log, so a client that reconnects with `Last-Event-ID` gets what it missed from a small buffer.
import type { IncomingMessage, ServerResponse } from 'node:http';

interface Sent {
  id: number;
  text: string;
}

export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #recent: Sent[] = [];
  readonly #keep: number;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(options: { keep?: number; heartbeatMs?: number } = {}) {
    this.#keep = options.keep ?? 200;
    // A comment line now and then keeps proxies from closing a quiet stream.
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  publish(event: string, id: number, data: unknown): void {
    const sent = { id, text: `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n` };
    this.#recent.push(sent);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    this.#write(sent.text);
  }

  /** Answers `GET /events`: the headers, what a reconnecting client missed, then every new event. */
  connect(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    const lastId = Number(request.headers['last-event-id']);
    if (Number.isFinite(lastId)) for (const sent of this.#recent) if (sent.id > lastId) response.write(sent.text);
    this.#clients.add(response);
    response.on('close', () => this.#clients.delete(response));
  }

  /** Ends every stream (at shutdown: an open stream would keep the server from closing). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #write(text: string): void {
    for (const client of this.#clients) client.write(text);
  }
}
