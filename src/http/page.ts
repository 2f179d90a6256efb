import type { ServerStatusJson, StatusJson } from '../api/status-json.js';

/**
 * GET /: a small status page rendered on the server from the /status data (no front-end
 * build, no script): servers, states, tool counts, token expiry, an Authorize button for each
 * server that needs authorization, the last reload error. It reloads itself every 5 s.
 */

const esc = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STATE_CLASS: Record<string, string> = {
  ready: 'ok',
  starting: 'wait',
  restarting: 'wait',
  needs_auth: 'warn',
  error: 'bad',
  disabled: 'off',
};

/**
 * With inbound auth, the link in /status carries a single-use ticket for the signed-in viewer
 * (SPEC section 4): the button POSTs it (one click, and the page reloading every 5 s spends
 * nothing). Without, a plain link. Both go to publicUrl, where the callback comes back to.
 */
function authorizeButton(name: string, s: ServerStatusJson): string {
  const url = s.auth.authorizationUrl ?? `/oauth/start/${encodeURIComponent(name)}`;
  if (/[?&]ticket=/.test(url))
    return `<form class="inline" method="post" action="${esc(url)}"><button class="button" type="submit">Authorize</button></form>`;
  return `<a class="button" href="${esc(url)}">Authorize</a>`;
}

function serverRow(name: string, s: ServerStatusJson): string {
  const auth =
    s.auth.type === 'none'
      ? ''
      : s.auth.type === 'apiKey'
        ? 'API key'
        : s.auth.status === 'authorized'
          ? `OAuth, token ${s.auth.expiresAt ? `expires <time datetime="${esc(s.auth.expiresAt)}">${esc(s.auth.expiresAt.replace('T', ' ').slice(0, 19))} UTC</time>` : 'without expiry'}`
          : `OAuth: ${esc(s.auth.status.replace('_', ' '))}`;
  const button = s.state === 'needs_auth' || (s.auth.type === 'oauth' && s.auth.status !== 'authorized') ? authorizeButton(name, s) : '';
  return `<tr data-server="${esc(name)}">
  <td><strong>${esc(name)}</strong><br><small>${esc(s.transport)}</small></td>
  <td><span class="state ${STATE_CLASS[s.state] ?? ''}">${esc(s.state.replace('_', ' '))}</span>${s.restarts ? `<br><small>${s.restarts} restart${s.restarts === 1 ? '' : 's'}</small>` : ''}</td>
  <td class="num">${s.tools}</td>
  <td>${auth}${s.auth.tokens === 'perUser' ? ' <small>(yours)</small>' : ''} ${button}${everyone(s)}</td>
  <td class="err">${esc(s.lastError?.message ?? '')}</td>
</tr>`;
}

/** An admin's view of a perUser server: who has authorized it (SPEC section 10), never a token. */
function everyone(s: ServerStatusJson): string {
  const identities = Object.entries(s.auth.identities ?? {});
  if (identities.length === 0) return '';
  const rows = identities.map(([who, a]) => `<li data-identity="${esc(who)}">${esc(who)}: ${esc(a.status.replace('_', ' '))}</li>`);
  return `<details><summary><small>${identities.length} user${identities.length === 1 ? '' : 's'} authorized</small></summary><ul>${rows.join('')}</ul></details>`;
}

export function renderStatusPage(status: StatusJson): string {
  const servers = Object.entries(status.servers);
  const profiles = Object.entries(status.profiles);
  const reloadError = status.config.lastError;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpgw</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<style>
body{font:15px/1.45 system-ui,-apple-system,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem;margin:0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
header p{margin:.2rem 0;color:#59636e}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{font-weight:600;font-size:.85rem;color:#59636e}.num{text-align:right}small{color:#59636e}
.state{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.85rem;background:#eef1f4}
.ok{background:#dafbe1;color:#116329}.wait{background:#fff8c5;color:#7d4e00}.warn{background:#ffebd4;color:#953800}.bad{background:#ffebe9;color:#a40e26}.off{color:#59636e}
.err{color:#a40e26;font-size:.85rem;max-width:22rem;word-break:break-word}
.button{display:inline-block;margin-left:.4rem;padding:.2rem .7rem;border-radius:.4rem;border:0;background:#1f6feb;color:#fff;text-decoration:none;font:inherit;font-size:.85rem;cursor:pointer}
form.inline{display:inline}
.alert{padding:.7rem 1rem;border-radius:.4rem;background:#ffebe9;color:#a40e26;margin-top:1rem}
code{font-size:.9em}
</style></head>
<body>
<header><h1>mcpgw ${esc(status.version)}</h1>
<p>Config <code>${esc(status.config.path)}</code>, generation ${status.config.generation}, read <time datetime="${esc(status.config.loadedAt)}">${esc(status.config.loadedAt.replace('T', ' ').slice(0, 19))} UTC</time>${status.config.restartNeeded ? ' &middot; <strong>restart needed</strong> to apply listen/publicUrl/dataDir' : ''}</p></header>
${reloadError ? `<div class="alert" role="alert"><strong>The last edit of the config was rejected</strong> (the previous config keeps serving):<br>${esc(reloadError.file ?? '')}${reloadError.line ? `:${reloadError.line}:${reloadError.column ?? 1}` : ''} ${esc(reloadError.message)}</div>` : ''}
<h2>Servers</h2>
<table><thead><tr><th>Server</th><th>State</th><th class="num">Tools</th><th>Auth</th><th>Last error</th></tr></thead>
<tbody>
${servers.map(([name, s]) => serverRow(name, s)).join('\n') || '<tr><td colspan="5">No servers configured.</td></tr>'}
</tbody></table>
<h2>Profiles</h2>
<table><thead><tr><th>Profile</th><th>Endpoint</th><th class="num">Tools</th><th class="num">Sessions</th><th>Warnings</th></tr></thead>
<tbody>
${profiles.map(([name, p]) => `<tr><td><strong>${esc(name)}</strong><br><small>${esc(p.servers.join(', '))}</small></td><td><code>${esc(p.url)}</code></td><td class="num">${p.tools}</td><td class="num">${p.sessions}</td><td class="err">${p.warnings.map(esc).join('<br>')}</td></tr>`).join('\n')}
</tbody></table>
<p><small>Started ${esc(status.startedAt.replace('T', ' ').slice(0, 19))} UTC &middot; this page reloads every 5 seconds &middot; JSON: <a href="/status">/status</a></small></p>
</body></html>`;
}
