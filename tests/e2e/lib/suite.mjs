// One vmsg server and one browser for a test file's tests: started before the first test,
// stopped after the last. Read them as `suite.server` and `suite.browser`.
import { before, after } from 'node:test';
import { startServer } from './server.mjs';
import { launch } from './browser.mjs';

export function sharedServerAndBrowser(env = {}) {
  const suite = { server: null, browser: null };
  before(async () => {
    suite.server = await startServer(env);
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
