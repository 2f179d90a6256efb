// docs/errors.md documents every code of the registry (src/errors/codes.ts) with its cause
// and its fix, and nothing that is not a code: a new code without an entry fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CODES } from '../../src/errors/codes.js';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** The entries: heading code -> the text up to the next heading. */
function entries(): Map<string, string> {
  const out = new Map<string, string>();
  const parts = docs.split(/^### /m).slice(1);
  for (const part of parts) {
    const code = /^`(MCPGW_[A-Z_]+)`\n/.exec(part)?.[1];
    assert.ok(code, `an entry heading that is not a code: ### ${part.split('\n')[0]}`);
    assert.ok(!out.has(code), `${code} has two entries`);
    out.set(code, part.split(/^## /m)[0]!);
  }
  return out;
}

test('every code has an entry with its cause and its fix', () => {
  const documented = entries();
  const missing = Object.keys(CODES).filter((code) => !documented.has(code));
  assert.deepEqual(missing, [], `codes without an entry in docs/errors.md: ${missing.join(', ')}`);
  for (const [code, text] of documented) {
    assert.match(text, /\*\*Cause\.\*\* \S/, `${code}: no cause`);
    assert.match(text, /\*\*Fix\.\*\* \S/, `${code}: no fix`);
  }
});

test('every entry is a code of the registry', () => {
  const unknown = [...entries().keys()].filter((code) => !(code in CODES));
  assert.deepEqual(unknown, [], `entries for codes that do not exist: ${unknown.join(', ')}`);
});

test('the severity in a code name matches its entry', () => {
  for (const [code, text] of entries()) {
    if (code.startsWith('MCPGW_W_')) assert.match(text, /\*\*Cause\.\*\* \(warning\)/, `${code} is a warning`);
    if (code.startsWith('MCPGW_I_'))
      assert.match(text, /\*\*Cause\.\*\* \((passed|information)/, `${code} is a passed check or information`);
  }
});
