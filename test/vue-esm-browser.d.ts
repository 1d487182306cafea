// Vue's self-contained browser build (runtime + template compiler, no `process.env`) is what
// test/vue.test.ts loads; its API is the `vue` package's.
declare module 'vue/dist/vue.esm-browser.js' {
  export * from 'vue';
}
