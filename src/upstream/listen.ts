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
