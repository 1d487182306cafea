// `npm start`: serves the project root, so the demo can load ../dist/rerun-video.min.js;
// the root URL the server prints redirects to the demo. demo/react/ and the dist/react.js it
// loads import react, @lit/react and lit by bare specifiers: node resolution resolves them,
// and React, which is CommonJS only, is served as ES modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { reactEsmPlugin } from './scripts/react-esm.mjs';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

export default {
  rootDir: ROOT,
  port: 8000,
  nodeResolve: true,
  plugins: [reactEsmPlugin(ROOT)],
  middleware: [
    (ctx, next) => {
      if (ctx.path === '/') {
        ctx.redirect('/demo/');
        return undefined;
      }
      return next();
    },
  ],
};
