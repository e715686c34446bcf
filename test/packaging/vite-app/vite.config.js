// What packages/client/README.md tells Vite users: keep @callmos/client out of the dev server's dependency
// pre-bundling, so its worker, worklet and wasm stay beside the module that points at them.
export default {
  optimizeDeps: { exclude: ['@callmos/client'] },
};
