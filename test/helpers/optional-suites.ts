/**
 * Suites that need something `npm install` cannot provide (Java for DynamoDB Local, Debian's notebook
 * stack). On a developer's machine without it, the suite is skipped with ONE line saying what to
 * install; CI sets SKYDAG_REQUIRE_ALL_TESTS=1, which turns the skip into a failing test so nothing
 * is silently left out there.
 */
export type Requirement = { met: true } | { met: false; missing: string; install: string };

export function requireAllTests(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SKYDAG_REQUIRE_ALL_TESTS === '1';
}

/**
 * Registers `define` as a describe block when the requirement is met; otherwise prints the skip line
 * (straight to stderr: jest decorates console output with a stack location) and registers a skipped
 * block — or, under SKYDAG_REQUIRE_ALL_TESTS=1, a failing one.
 */
export function describeWhen(name: string, requirement: Requirement, define: () => void): void {
  if (requirement.met) {
    describe(name, define);
    return;
  }
  const reason = `${requirement.missing} (${requirement.install})`;
  if (requireAllTests()) {
    describe(name, () => {
      test('has what it needs', () => {
        throw new Error(`${reason}; SKYDAG_REQUIRE_ALL_TESTS=1 forbids skipping`);
      });
    });
    return;
  }
  process.stderr.write(`skipped: ${name}: ${reason}\n`);
  describe.skip(`${name} — skipped: ${reason}`, () => {
    test('skipped', () => undefined);
  });
}
