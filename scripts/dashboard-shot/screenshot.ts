// Headless Chromium (Debian's package) turning the page into a PNG, with a profile of its own
// in a temporary folder so that it never touches a user's.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Writes `html` to a temporary file and screenshots it to `out` at `width` x `height`; fails unless a PNG was written. */
export async function screenshot(html: string, out: string, width: number, height: number, timeoutMs = 120_000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-dashboard-shot-'));
  try {
    const file = join(dir, 'dashboard.html');
    writeFileSync(file, html);
    rmSync(out, { force: true });
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--window-size=${width},${height}`,
      `--screenshot=${out}`,
      pathToFileURL(file).href,
    ];
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    const png = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
    if (png.length <= PNG_MAGIC.length || !png.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC))
      throw new Error(`chromium (exit ${code}) wrote no PNG to ${out}:\n${stderr}`);
    return png.length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
