// Reads the development mailbox: the server (with no S117_SMTP_URL) writes every email to
// `<dataDir>/outbox/<time>-<uuid>.eml` instead of sending it. These helpers find the newest
// email to an address and pull out the one-time password or the security code (PIN).
//
// The files are MIME: multipart or single part, each part quoted-printable, base64 or plain,
// so the text is decoded before it is searched.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i += 1) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits a MIME entity into { headers (lower-cased names), body }. */
function splitEntity(raw) {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** The decoded text parts of a MIME entity, text/plain first. */
function textParts(raw) {
  const { headers, body } = splitEntity(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(new RegExp(`--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?\\r?\\n?`));
    const texts = parts.slice(1).filter((part) => part.trim()).flatMap(textParts);
    return [...texts.filter((t) => t.type === 'text/plain'), ...texts.filter((t) => t.type !== 'text/plain')];
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return [{ type: type.split(';')[0].trim().toLowerCase(), text }];
}

/** Every email in the outbox: [{ file, mtimeMs, to, subject, text }], oldest first. */
export async function readOutbox(dataDir) {
  const dir = path.join(dataDir, 'outbox');
  let names;
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.eml'));
  } catch {
    return [];
  }
  const emails = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const raw = await readFile(file, 'utf8');
    const { headers } = splitEntity(raw);
    const parts = textParts(raw);
    emails.push({
      file,
      name,
      mtimeMs: (await stat(file)).mtimeMs,
      to: (headers.to ?? '').toLowerCase(),
      subject: headers.subject ?? '',
      text: parts.map((part) => part.text).join('\n'),
      plain: parts.find((part) => part.type === 'text/plain')?.text ?? parts[0]?.text ?? '',
    });
  }
  emails.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  return emails;
}

/**
 * Waits for the newest email to `address` that matches `test(email)` and is not among
 * `seen` (file names from an earlier `readOutbox`); returns it.
 */
export async function waitForEmail(dataDir, address, { test = () => true, seen = [], timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const skip = new Set(seen);
  for (;;) {
    const emails = (await readOutbox(dataDir))
      .filter((email) => email.to.includes(address.toLowerCase()) && !skip.has(email.name) && test(email));
    if (emails.length) return emails[emails.length - 1];
    if (Date.now() > deadline) throw new Error(`no email to ${address} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The names of the emails in the outbox now (to wait for a newer one). */
export async function outboxNames(dataDir) {
  return (await readOutbox(dataDir)).map((email) => email.name);
}

/** The one-time password in an email ("Your one-time password: …"). */
export function oneTimePassword(email) {
  const match = /one-time password:\s*([^\s<]+)/i.exec(email.plain) ?? /one-time password:\s*(?:<[^>]+>\s*)*([^\s<]+)/i.exec(email.text);
  if (!match) throw new Error(`no one-time password in ${email.file}:\n${email.text}`);
  return match[1];
}

/** The 6-digit security code in an email ("…security code is 123456."). */
export function securityCode(email) {
  const match = /security code is\s*(?:<[^>]+>\s*)*(\d{6})/i.exec(email.text);
  if (!match) throw new Error(`no security code in ${email.file}:\n${email.text}`);
  return match[1];
}
