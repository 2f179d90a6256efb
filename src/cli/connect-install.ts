import { existsSync, mkdirSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localUrl } from '../client/daemon-client.js';
import { profileServers, tokenVariable, whyNotServed } from '../client/install-config.js';
import { installEdit, uninstallEdit, type InstallEdit } from '../client/install-edit.js';
import { backup, sha256, Stash, type InstallRecord, type MovedEntry } from '../client/install-stash.js';
import {
  ENTRY_NAME,
  entryFor,
  hasProjectFile,
  installTarget,
  nextSteps,
  type InstallEntry,
  type InstallTarget,
} from '../client/install-targets.js';
import { readDaemonAddress, type DaemonAddress } from '../config/address.js';
import { McpgwError } from '../errors/error.js';
import { existingServersOf, findExisting, type ExistingServer } from '../import/plan.js';
import { CLIENT_LIST, parseJson, parseTomlDocument, readText } from '../import/read.js';
import { displayOf, readSource, type Host } from '../import/sources.js';
import { CLIENTS, type Candidate, type ClientId, type SourceFile } from '../import/types.js';
import { writeAtomic, type WriteHooks } from '../import/write.js';
import { out, type CommandContext } from './command-context.js';
import type { ConnectOptions } from './connect.js';

/**
 * `mcpgw connect --install|--uninstall CLIENT [PROFILE] [--project] [--stdio]` (issue 19):
 * points a client at the gateway instead of the servers gateway.yaml already has, and undoes
 * it. Install moves those entries out of the client's file into a record in the data dir
 * (client/install-stash.ts), keeps a backup of the file, and writes one `mcpgw` entry
 * (client/install-targets.ts); uninstall removes that entry and puts the moved ones back.
 * Both are idempotent. Nothing is written unless the whole change is known to be right, and
 * the client's file is replaced atomically.
 */

/** What tests replace: the machine's home and working folder, write hooks. */
export interface InstallIO {
  readonly host?: Partial<Host>;
  readonly hooks?: WriteHooks;
}

const PROFILE_NAME = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,30}[A-Za-z0-9])?$/;

export async function runClientConfig(
  ctx: CommandContext,
  profile: string | undefined,
  options: ConnectOptions,
  io: InstallIO = {},
): Promise<number> {
  const usage = (message: string, hint = 'mcpgw connect --install|--uninstall CLIENT [PROFILE] [-c FILE] [--project] [--stdio]') =>
    new McpgwError('MCPGW_E_USAGE', message, { hint });
  if (options.install !== undefined && options.uninstall !== undefined) throw usage('--install and --uninstall exclude each other');
  if (options.url !== undefined || options.token !== undefined)
    throw usage(
      `${options.url !== undefined ? '--url' : '--token'} does not go with --install or --uninstall`,
      'the URL comes from the config; a token is never written into a client file',
    );
  const name = (options.install ?? options.uninstall)!;
  if (!(CLIENTS as readonly string[]).includes(name))
    throw usage(`"${name}" is not a client mcpgw can configure`, `the clients are ${CLIENT_LIST}`);
  const client = name as ClientId;
  if (options.project && !hasProjectFile(client)) throw usage(`${client} has no project file: --project does not apply`);
  if (profile !== undefined && !PROFILE_NAME.test(profile)) throw usage(`"${profile}" is not a profile name`);

  const host: Host = { home: ctx.env.HOME || homedir(), platform: process.platform, cwd: process.cwd(), env: ctx.env, ...io.host };
  const target = installTarget(client, host, Boolean(options.project));
  const address = readDaemonAddress(ctx.configPath, { env: ctx.env, fields: ['publicUrl', 'dataDir'] });
  const stash = new Stash(address.dataDir!, client);
  const job = new Job(ctx, host, target, address, stash, io.hooks);
  return options.install !== undefined ? job.install(profile ?? 'default', Boolean(options.stdio)) : job.uninstall();
}

class Job {
  constructor(
    private readonly ctx: CommandContext,
    private readonly host: Host,
    private readonly target: InstallTarget,
    private readonly address: DaemonAddress,
    private readonly stash: Stash,
    private readonly hooks: WriteHooks | undefined,
  ) {}

  private say(text: string): void {
    out(this.ctx.stdout, text);
  }

  private get configDisplay(): string {
    return displayOf(this.address.file, this.host);
  }

  async install(profile: string, stdio: boolean): Promise<number> {
    const { target } = this;
    const entry = entryFor(target, this.link(profile), stdio);
    const members = profileServers(this.address.raw, profile, this.configDisplay);
    const before = this.read();
    const record = this.stash.get(target.path);
    const text = before?.toString('utf8');
    const { move, kept } = this.sort(text === undefined ? [] : this.candidates(), members, profile);
    const result = installEdit(target, text, entry, move, record);
    kept.push(...result.unmovable.map((n) => `${n} (written in a form mcpgw cannot move: remove it by hand)`));
    if (result.text === text) {
      this.say(`${this.where} already uses the gateway (profile ${profile}): nothing to change.`);
      if (kept.length > 0) this.say(`Servers still configured there: ${kept.join(', ')}.`);
      return 0;
    }
    const backupPath = before && (await backup(target.path, before));
    await this.stash.save(target.path, nextRecord(record, text, result, { profile, entry: entry.value, backup: backupPath }));
    try {
      await this.write(before, result.text);
    } catch (err) {
      await this.stash.restore().catch(() => undefined);
      throw err;
    }
    this.installed(profile, entry, text === undefined ? 'Created' : 'Updated', result.moved, kept);
    this.localScope(members);
    if (backupPath) this.say(`Backup of the old file: ${displayOf(backupPath, this.host)}`);
    const run = `mcpgw run -c ${this.configDisplay}`;
    const tokenFromEnv = tokenVariable(this.address.raw);
    for (const step of nextSteps(target, entry, { auth: this.address.token.kind !== 'none', tokenFromEnv, run })) this.say(step);
    this.say(`To undo: mcpgw connect --uninstall ${target.client}${target.project ? ' --project' : ''} -c ${this.configDisplay}`);
    return 0;
  }

  async uninstall(): Promise<number> {
    const { target } = this;
    const record = this.stash.get(target.path);
    const before = existsSync(target.path) ? this.read() : undefined;
    if (before === undefined) {
      if (record) await this.stash.save(target.path, undefined);
      this.say(`Nothing to uninstall: ${target.display} does not exist.`);
      return 0;
    }
    const text = before.toString('utf8');
    const original = originalText(text, record);
    const {
      restored,
      skipped,
      text: result,
    } = original !== undefined
      ? { restored: record!.moved.map((m) => m.name), skipped: [], text: original }
      : uninstallEdit(target, text, record);
    if (result === text) {
      if (record) await this.stash.save(target.path, undefined);
      this.say(`Nothing to uninstall: ${this.where} has no "${ENTRY_NAME}" entry.`);
      return 0;
    }
    const backupPath = await backup(target.path, before);
    if (record?.original?.sha256 === null && result === '') {
      this.checkUnchanged(before);
      unlinkSync(target.path);
      this.say(`Removed ${target.display}: mcpgw connect --install had created it.`);
    } else {
      await this.write(before, result);
      this.say(`Removed "${ENTRY_NAME}" from ${this.where}.`);
    }
    await this.stash.save(target.path, undefined);
    if (restored.length > 0) this.say(`Put back: ${restored.join(', ')}.`);
    if (skipped.length > 0) this.say(`Not put back (the file has them again): ${skipped.join(', ')}.`);
    this.say(`Backup of the file before: ${displayOf(backupPath, this.host)}`);
    this.say(
      target.client === 'claude-desktop'
        ? 'Quit Claude Desktop completely and open it again.'
        : `Restart ${target.label} (or reconnect its servers) to apply it.`,
    );
    return 0;
  }

  private get where(): string {
    return `${this.target.label} (${this.target.display})`;
  }

  private get existing(): ExistingServer[] {
    return existingServersOf(this.address.raw);
  }

  /** Which of the client's servers the gateway now serves in this profile (moved), and the others with the reason (kept). */
  private sort(candidates: readonly Candidate[], members: ReadonlySet<string>, profile: string): { move: string[]; kept: string[] } {
    const existing = this.existing;
    const move: string[] = [];
    const kept: string[] = [];
    for (const c of candidates) {
      if (c.name === ENTRY_NAME) continue;
      const there = findExisting(c, existing, this.address.dir);
      if (there && members.has(there.name)) move.push(c.name);
      else if (there)
        kept.push(`${c.name} ("${there.name}" in ${this.configDisplay} ${whyNotServed(this.address.raw, there.name, profile)})`);
      else kept.push(`${c.name} (not in ${this.configDisplay})`);
    }
    return { move, kept };
  }

  private installed(
    profile: string,
    entry: InstallEntry,
    how: 'Created' | 'Updated',
    moved: readonly MovedEntry[],
    kept: readonly string[],
  ): void {
    const through = entry.stdio ? 'mcpgw connect (stdio)' : String(entry.value.url ?? entry.value.httpUrl);
    this.say(`${how} ${this.where}: "${ENTRY_NAME}" reaches profile ${profile} through ${through}.`);
    if (moved.length > 0)
      this.say(
        `Moved out (the gateway serves them now; kept in ${displayOf(this.stash.path, this.host)} for --uninstall): ${moved.map((m) => m.name).join(', ')}.`,
      );
    if (kept.length > 0) this.say(`Left in place: ${kept.join(', ')}.`);
  }

  /**
   * ~/.claude.json also keeps servers per project folder (Claude Code's "local" scope): those of
   * the working folder that the gateway serves are named, not moved (they belong to that scope).
   */
  private localScope(members: ReadonlySet<string>): void {
    const existing = this.existing;
    if (this.target.client !== 'claude-code' || this.target.project) return;
    const served = this.candidates('local').filter((c) => {
      const there = findExisting(c, existing, this.address.dir);
      return there !== undefined && members.has(there.name);
    });
    if (served.length === 0) return;
    const names = served.map((c) => c.name);
    const commands = names.map((n) => `claude mcp remove ${/^[\w.-]+$/.test(n) ? n : JSON.stringify(n)} -s local`).join('; ');
    this.say(
      `~/.claude.json also has ${names.join(', ')} for this folder (Claude Code's local scope), served by the gateway now: ${commands}`,
    );
  }

  /** The profile's endpoint, and the stdio command that relays to it. */
  private link(profile: string) {
    const base = this.address.publicUrl ?? localUrl(this.address.listen);
    const bin = realpathSync(fileURLToPath(new URL('../../bin/mcpgw.js', import.meta.url)));
    return {
      url: `${base}/mcp/${profile}`,
      auth: this.address.token.kind !== 'none',
      command: process.execPath,
      args: [bin, 'connect', profile, '-c', this.address.file],
    };
  }

  /**
   * The client file's bytes, or undefined for a project file not made yet; a missing user
   * file is an error (the client keeps it; its absence means the client is not set up here).
   * A file that is not valid JSON/TOML is a located error.
   */
  private read(): Buffer | undefined {
    const { target } = this;
    const source = this.source();
    if (!existsSync(target.path)) {
      if (target.project) return undefined;
      throw new McpgwError('MCPGW_E_IMPORT_READ', `no ${target.label} config at ${target.display}`, {
        hint: `start ${target.label} once (it creates the file), or create it containing {}; --project writes the project's file instead`,
        location: { file: target.display },
      });
    }
    const text = readText(source);
    if (target.syntax === 'json') {
      const doc = parseJson(source, text);
      if (!isRecord(doc.value))
        throw new McpgwError('MCPGW_E_IMPORT_FORMAT', 'the file must hold a JSON object', {
          hint: 'check that this is the client config file',
          location: { file: source.display, ...doc.at([]) },
        });
    } else parseTomlDocument(source, text);
    return readFileSync(target.path);
  }

  private source(): SourceFile {
    const { target } = this;
    return {
      path: target.path,
      display: target.display,
      format: target.format,
      label: target.label,
      ...(target.project ? { workspace: this.host.cwd } : {}),
    };
  }

  /** The servers of the file's own list, as `mcpgw import` reads them; `local`: Claude Code's of this folder. */
  private candidates(which: 'own' | 'local' = 'own') {
    const results = readSource(this.source(), this.host);
    if (which === 'own') return results[0]?.candidates ?? [];
    return results.slice(1).flatMap((r) => r.candidates);
  }

  private checkUnchanged(before: Buffer | undefined): void {
    const now = existsSync(this.target.path) ? readFileSync(this.target.path) : undefined;
    if ((now === undefined) !== (before === undefined) || (now && before && !now.equals(before))) {
      throw new McpgwError('MCPGW_E_INSTALL_WRITE', `${this.target.display} changed while mcpgw was editing it; it was left as it is now`, {
        hint: 'run the command again',
      });
    }
  }

  /** Replaces the client's file (temp file + rename: a failure leaves the old one whole), unless it changed meanwhile. */
  private async write(before: Buffer | undefined, text: string): Promise<void> {
    this.checkUnchanged(before);
    if (before === undefined) mkdirSync(dirname(this.target.path), { recursive: true });
    await writeAtomic(this.target.path, text, { hooks: this.hooks }).catch((err: unknown) => {
      throw new McpgwError('MCPGW_E_INSTALL_WRITE', (err as Error).message, {
        hint: "check that the client file's folder is writable, then run the command again",
        cause: err,
      });
    });
  }
}

/** The record after an install: what it moved (the earlier installs' too), and the bytes to put back while known. */
function nextRecord(
  record: InstallRecord | undefined,
  text: string | undefined,
  result: InstallEdit,
  made: { profile: string; entry: InstallRecord['entry']; backup: string | undefined },
): InstallRecord {
  const moved = [...(record?.moved ?? []), ...result.moved.filter((m) => !record?.moved.some((r) => r.name === m.name))];
  const untouched = record !== undefined && text !== undefined && sha256(text) === record.wrote;
  return {
    installedAt: new Date().toISOString(),
    profile: made.profile,
    entry: made.entry,
    moved,
    ...((record?.addedInput ?? result.addedInput) ? { addedInput: true } : {}),
    wrote: sha256(result.text),
    // The bytes to put back stay known while every change since the first install was ours.
    ...(record === undefined
      ? { original: { sha256: text === undefined ? null : sha256(text), ...(made.backup ? { backup: made.backup } : {}) } }
      : untouched && record.original
        ? { original: record.original }
        : {}),
  };
}

/** Untouched since our last write: the bytes from before the first install, exactly (when still known). */
function originalText(text: string, record: InstallRecord | undefined): string | undefined {
  if (!record?.original || sha256(text) !== record.wrote) return undefined;
  if (record.original.sha256 === null) return '';
  if (!record.original.backup || !existsSync(record.original.backup)) return undefined;
  const old = readFileSync(record.original.backup);
  return sha256(old) === record.original.sha256 ? old.toString('utf8') : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
