// Node 20 lacks Promise.withResolvers (Node 22 has it), the only newer API the upstream build uses:
// add it before the build loads, so the package works on every Node that skydag supports.
import './with-resolvers.cjs';
export * from './build/main.node.esm.js';
