import { createHash } from 'node:crypto';
import { startsWithGateway } from '../config/team.js';
import type { ConfigModel, StdioSpec } from '../config/types.js';
import { spawnOptionsOf } from './env.js';
import { ServerProcess, stopHeld, type SpawnOptions } from './spawn.js';

/**
 * The early start (issue 18 item 2): `mcpgw run` spawns the stdio servers that start with the
 * gateway as soon as the config is valid, so that their own start overlaps the loading of the
 * gateway's modules (the SDK, zod, the HTTP layer). This module must stay free of those
 * imports. Each child is held under its server's name with a fingerprint of what it was
 * spawned with: the upstream that claims it gets it only for the very same command, args,
 * environment and folder, so a changed definition never gets a stale process.
 */
export class EarlyStart {
  private readonly held = new Map<string, { fingerprint: string; proc: ServerProcess }>();
  private readonly stopping: Promise<void>[] = [];

  /** Spawns every stdio server of `model` that the gateway starts itself. */
  static spawn(model: ConfigModel): EarlyStart {
    const early = new EarlyStart();
    for (const spec of model.servers) {
      if (spec.transport.kind === 'stdio' && startsWithGateway(spec)) early.start(spec.name, spec.transport);
    }
    return early;
  }

  /** The names of the servers held now (spawned, not claimed). */
  get names(): string[] {
    return [...this.held.keys()];
  }

  /** Spawns one server and holds its process until claimed. */
  start(name: string, spec: StdioSpec): ServerProcess | undefined {
    const options = spawnOptionsOf(spec);
    let proc: ServerProcess;
    try {
      proc = new ServerProcess(options);
    } catch {
      // Options spawn() refuses outright: the upstream's own spawn meets and reports the same.
      return undefined;
    }
    this.discard(name);
    this.held.set(name, { fingerprint: fingerprintOf(options), proc });
    return proc;
  }

  /**
   * The held process of `name`, once, if it was spawned with exactly what `spec` spawns
   * with now; otherwise undefined, and a held process of an older definition is ended.
   */
  claim(name: string, spec: StdioSpec): ServerProcess | undefined {
    const entry = this.held.get(name);
    if (!entry) return undefined;
    if (entry.fingerprint !== fingerprintOf(spawnOptionsOf(spec))) {
      this.discard(name);
      return undefined;
    }
    this.held.delete(name);
    return entry.proc;
  }

  /** Ends every process nobody claimed (its whole group) and waits until they are gone. */
  async discardUnclaimed(): Promise<void> {
    for (const name of [...this.held.keys()]) this.discard(name);
    await Promise.all(this.stopping);
  }

  private discard(name: string): void {
    const entry = this.held.get(name);
    if (!entry) return;
    this.held.delete(name);
    this.stopping.push(stopHeld(entry.proc));
  }
}

/** A digest of what a child is spawned with: its environment holds secrets, so only the hash is kept. */
export function fingerprintOf(options: SpawnOptions): string {
  const env = Object.entries(options.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([options.command, options.args, env, options.cwd]))
    .digest('hex');
}
