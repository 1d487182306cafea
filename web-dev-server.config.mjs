// `npm start`: serves the project root, so the demo can load ../dist/rerun-video.min.js;
// the root URL the server prints redirects to the demo.
export default {
  rootDir: '.',
  port: 8000,
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
