// The CommonJS entry (jest loads the engine through require): the same polyfill, then the upstream CJS build.
require('./with-resolvers.cjs');
module.exports = require('./build/main.node.cjs');
