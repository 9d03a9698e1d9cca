import fs from 'node:fs';
import path from 'node:path';

/**
 * Review of issue 13: the dashboard must never put the API key into a URL. Its sign-in <form> had no method, so a
 * native submission (Enter pressed before the deferred module script wired the submit handler, or after a script
 * error) was a GET to the page's own URL with ?api-key=<key>: in the browser's history and in the gateway's request
 * log (pino-http logs req.url). method="dialog" outside a <dialog> never navigates; the script handles the submit.
 */
describe('review 13: dashboard sign-in form', () => {
  it('cannot submit the key natively as a GET query string', () => {
    const html = fs.readFileSync(path.join(__dirname, '../../gateway/public/index.html'), 'utf8');
    const form = /<form\b[^>]*\bid="sign-in"[^>]*>/.exec(html)?.[0];
    expect(form).toBeDefined();
    const method = /\bmethod="([^"]*)"/.exec(form!)?.[1]?.toLowerCase();
    expect(method).toBe('dialog');
    expect(form).not.toMatch(/\baction=/);
  });
});
