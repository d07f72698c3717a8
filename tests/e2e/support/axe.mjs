// Accessibility audit with axe-core, run inside the page, offline.
//
// The app's Content-Security-Policy (script-src 'self') rightly refuses the inline <script>
// that `addScriptTag({path})` would create, so axe is added as a same-origin script URL
// whose request the test itself answers from node_modules (page.route): the page's CSP
// stays in force and is checked while axe runs.
//
// The quality bar (DESIGN.md §7): no serious or critical violation of WCAG 2.1 A/AA on
// any page. Lesser findings are returned too, for information.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
/** Never served by the app: answered by the test (see above). */
const AXE_URL_PATH = '/__e2e__/axe.min.js';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on the page; returns { blocking, all } where blocking are serious/critical. */
export async function audit(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    const url = new URL(AXE_URL_PATH, page.url()).href;
    await page.route(url, (route) => route.fulfill({ path: AXE_PATH, contentType: 'text/javascript' }));
    await page.addScriptTag({ url });
  }
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    TAGS,
  );
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return { blocking, all: results.violations };
}

/** A readable list of violations for an assertion message. */
export function describe(violations) {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')}`)
    .join('\n');
}
