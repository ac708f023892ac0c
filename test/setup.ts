// The AWS SDK warns on Node < 22 that SDK versions published after the first week of January 2027
// will need Node 22. The versions pinned in package.json declare and support Node >= 20 (checked by
// test/sdk-node-support.test.ts, which fails once a pinned SDK no longer does), so the notice says
// nothing about this installation; jest loads the SDK afresh per test file, so it printed once per
// file. bin/skydag.js does the same for the CLI. An explicit setting of the variable is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
