// Imported first by bench/run.ts: the AWS SDK's Node 20 support notice (see bin/skydag.js) is noise
// in the bench's output, as in the CLI's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
