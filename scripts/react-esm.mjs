// A dev-server plugin that serves React as ES modules, for the React test
// (web-test-runner.config.mjs) and the React demo (web-dev-server.config.mjs). React publishes
// CommonJS only, and the CommonJS plugin does not work in @web/dev-server (its named exports
// come out missing: modernweb-dev/web#1700, #2386). So: the dev server's node resolution maps
// `react`, `react-dom`, `react-dom/client` and `react/jsx-runtime` to their files as usual;
// this plugin answers for those files with a small module that re-exports them by name from
// one esbuild bundle of all four, so the page and react-dom share a single React.
import { createRequire } from 'node:module';
import path from 'node:path';

import { build } from 'esbuild';

const BUNDLE_URL = '/__react-esm__/react.js';
const ENTRIES = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime'];

/** @param {string} rootDir the dev server's root (the project, where node_modules is) */
export function reactEsmPlugin(rootDir) {
  const require = createRequire(path.join(rootDir, 'package.json'));
  const local = (entry) => entry.replace(/[^a-z]/gi, '_');
  // The browser path of each entry's file, as node resolution rewrites the import, -> entry.
  const byPath = new Map(
    ENTRIES.map((entry) => [`/${path.relative(rootDir, require.resolve(entry)).split(path.sep).join('/')}`, entry]),
  );
  // Loaded here, once, as the config is read: later, web-test-runner's console interception
  // lacks `console.createTask`, which React's development build calls as it loads.
  const names = new Map(
    ENTRIES.map((entry) => [entry, Object.keys(require(entry)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))]),
  );
  let bundle;

  return {
    name: 'react-esm',
    async serve(context) {
      if (context.path === BUNDLE_URL) {
        bundle ??= build({
          stdin: {
            contents: ENTRIES.map((e) => `export { default as ${local(e)} } from '${e}';`).join('\n'),
            resolveDir: rootDir,
            loader: 'js',
          },
          bundle: true,
          write: false,
          format: 'esm',
          target: 'es2022',
          // the development builds: React's warnings are worth having in tests and demos
          define: { 'process.env.NODE_ENV': '"development"' },
          logLevel: 'silent',
        }).then((result) => result.outputFiles[0].text);
        return { body: await bundle, type: 'js' };
      }
      const entry = byPath.get(context.path);
      if (!entry) return undefined;
      const body = [
        `import { ${local(entry)} as m } from '${BUNDLE_URL}';`,
        'export default m;',
        `export const { ${names.get(entry).join(', ')} } = m;`,
      ].join('\n');
      return { body, type: 'js' };
    },
  };
}
