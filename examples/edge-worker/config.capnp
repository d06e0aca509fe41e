# workerd configuration for the edge-worker example.
#   node_modules/.bin/workerd serve config.capnp --socket-addr http=127.0.0.1:8787
# ISSUER, AUDIENCE and JWKS_URL (or JWKS, a whole JWKS document) come from the environment.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The JWKS is fetched through the runtime's fetch. workerd's default outbound network
    # only reaches public addresses; this one also reaches loopback and private ones, where
    # the demo server and the test's JWKS server listen.
    (name = "outbound", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "build/example_edge_worker.js", esModule = embed "build/example_edge_worker.js"),
    (name = "build/example_edge_worker_bg.wasm", wasm = embed "build/example_edge_worker_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    (name = "ISSUER", fromEnvironment = "ISSUER"),
    (name = "AUDIENCE", fromEnvironment = "AUDIENCE"),
    (name = "JWKS_URL", fromEnvironment = "JWKS_URL"),
    (name = "JWKS", fromEnvironment = "JWKS"),
  ],
  globalOutbound = "outbound",
);
