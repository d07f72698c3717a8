// Starts the S117 Register SPA. A separate file (not an inline <script>) because the
// Content-Security-Policy allows scripts from 'self' only.
//
// GOV.UK's page template marks the body with these classes from an inline script; its CSS
// keys JavaScript-only styles on them. A module script only runs in browsers that support
// ES modules, which is exactly GOV.UK Frontend's "supported" test.
import init from './pkg/s117_web.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
init();
