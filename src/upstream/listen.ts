import type { Client, McpSubscription, SubscriptionFilter } from '@modelcontextprotocol/client';
import type { Logger } from '../log.js';

/**
 * A modern server's change notifications (2026-07-28 has no GET stream and no
 * resources/subscribe): one `subscriptions/listen` stream per connection, asking for the
 * list changes the server announces and updates of every URI a client subscribed to. The
 * filter is fixed per stream, so a changed set of URIs opens a new stream, and the old one
 * closes once the new one is acknowledged. Notifications reach the client's handlers.
 */
export class ModernListen {
  private current?: McpSubscription;
  private uris: readonly string[] = [];
  private closed = false;
  private reopenTimer?: NodeJS.Timeout;

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly server: string,
  ) {}

  /** Opens (or re-opens with) the filter for the server's capabilities and these URIs. */
  async update(uris: readonly string[]): Promise<void> {
    if (this.closed) return;
    this.uris = [...uris];
    const filter = this.filter();
    if (!filter) return this.replace(undefined);
    let next: McpSubscription;
    try {
      next = await this.client.listen(filter);
    } catch (err) {
      this.log.warn(`subscriptions/listen failed: ${(err as Error).message}`, { server: this.server });
      this.scheduleReopen();
      return;
    }
    if (this.closed) return void next.close();
    void next.closed.then((how) => {
      // A stream that dropped (not one we replaced or closed) is opened again.
      if (how === 'remote' && this.current === next && !this.closed) this.scheduleReopen();
    });
    await this.replace(next);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    await this.replace(undefined);
  }

  private async replace(next: McpSubscription | undefined): Promise<void> {
    const old = this.current;
    this.current = next;
    await old?.close().catch(() => undefined);
  }

  private scheduleReopen(): void {
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => void this.update(this.uris), 1000);
    this.reopenTimer.unref();
  }

  private filter(): SubscriptionFilter | undefined {
    const caps = this.client.getServerCapabilities() ?? {};
    const filter: SubscriptionFilter = {};
    if (caps.tools?.listChanged) filter.toolsListChanged = true;
    if (caps.prompts?.listChanged) filter.promptsListChanged = true;
    if (caps.resources?.listChanged) filter.resourcesListChanged = true;
    if (caps.resources?.subscribe && this.uris.length > 0) filter.resourceSubscriptions = [...this.uris];
    return Object.keys(filter).length > 0 ? filter : undefined;
  }
}

/** What a connection's resource subscriptions need of it. */
export interface WatchedConnection {
  readonly era?: 'legacy' | 'modern';
  readonly state: string;
  readonly capabilities?: { resources?: { subscribe?: boolean } };
  request(method: string, params: Record<string, unknown>): Promise<unknown>;
}

/**
 * The resource URIs clients subscribed to through one connection, kept across reconnects:
 * a legacy server gets resources/subscribe (again after a reconnect), a modern one gets them in
 * its subscriptions/listen filter (ModernListen above), which also carries its list changes.
 */
export class ResourceWatch {
  private readonly uris = new Set<string>();
  private listen?: ModernListen;

  constructor(
    private readonly conn: WatchedConnection,
    private readonly log: Logger,
    private readonly server: string,
  ) {}

  private get live(): boolean {
    return this.conn.state === 'ready' && Boolean(this.conn.capabilities?.resources?.subscribe);
  }

  async add(uri: string): Promise<void> {
    if (this.uris.has(uri)) return;
    this.uris.add(uri);
    if (!this.live) return;
    if (this.conn.era === 'modern') await this.listen?.update([...this.uris]);
    else await this.conn.request('resources/subscribe', { uri });
  }

  async remove(uri: string): Promise<void> {
    if (!this.uris.delete(uri) || !this.live) return;
    if (this.conn.era === 'modern') await this.listen?.update([...this.uris]);
    else await this.conn.request('resources/unsubscribe', { uri }).catch(() => undefined);
  }

  /** After a (re)connect: a modern server's listen stream opens; a legacy one is subscribed again. */
  restart(client: Client): void {
    void this.listen?.close();
    this.listen = undefined;
    if (this.conn.era === 'modern') {
      this.listen = new ModernListen(client, this.log, this.server);
      void this.listen.update([...this.uris]);
      return;
    }
    if (!this.live) return;
    for (const uri of this.uris) void this.conn.request('resources/subscribe', { uri }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.listen?.close();
    this.listen = undefined;
  }
}
