/**
 * Jest global setup and teardown: every test file's temporary files go under one folder made for
 * the run (TMPDIR is read by Node's os.tmpdir(), Python's tempfile and mktemp alike, and jest's
 * workers are started after this hook, so they inherit it), removed when the run ends. Tests,
 * task processes and killed children therefore leave nothing behind in the machine's /tmp.
 */
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const VARIABLE = 'SKYDAG_TEST_TEMP_ROOT';

let created; // only the run that made the folder removes it (a jest started by a test keeps its parent's)

async function setup() {
  if (process.env[VARIABLE]) return;
  created = mkdtempSync(join(tmpdir(), 'skydag-jest-'));
  chmodSync(created, 0o755); // as /tmp is traversable: tests running tasks as another user (SKYDAG_TASK_USER) need it
  process.env[VARIABLE] = created;
  process.env.TMPDIR = created;
}

async function teardown() {
  if (created) rmSync(created, { recursive: true, force: true, maxRetries: 3 });
}

module.exports = { setup, teardown };
