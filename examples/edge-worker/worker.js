// The worker: an ES module whose fetch handler calls into the Rust wasm (src/lib.rs).
// build/ holds the output of `wasm-bindgen --target web` (`cargo xtask edge-worker` or
// `cargo xtask test` writes it); workerd hands us the wasm as a compiled WebAssembly.Module.
import { initSync, handle } from "./build/example_edge_worker.js";
import wasm from "./build/example_edge_worker_bg.wasm";

initSync({ module: wasm });

export default {
  async fetch(request, env) {
    return handle(request, env);
  },
};
