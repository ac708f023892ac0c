/**
 * Names users give to Spark things: config groups and uploaded artifacts. Both become parts of blob
 * keys (and, locally, file names), so they are checked here, once, for every entry point (API, CLI,
 * import, runtime): no separators, no `..`, no hidden names. The original product deleted whole
 * folders through a group named `..` (couture-reference §6.2).
 */

export class SparkInputError extends Error {
  override readonly name = 'SparkInputError';
}

/** Couture's group-name rule (`^[A-Za-z0-9_@()-]+$`), bounded in length. */
const GROUP_NAME = /^[A-Za-z0-9_@()-]{1,64}$/;

export function checkGroupName(name: unknown): string {
  if (typeof name !== 'string' || !GROUP_NAME.test(name)) {
    throw new SparkInputError(
      `invalid config group name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : name)}: use 1-64 letters, digits and _ @ ( ) -`,
    );
  }
  return name;
}

export type ArtifactKind = 'code' | 'dependency';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['code', 'dependency'];

/** What Couture's Code Artifacts and Spark Dependencies pages accept. */
export const ARTIFACT_EXTENSIONS = ['.jar', '.py', '.zip', '.egg'] as const;

export function checkArtifactKind(kind: unknown): ArtifactKind {
  if (kind === 'code' || kind === 'dependency') return kind;
  throw new SparkInputError(`invalid artifact kind ${JSON.stringify(kind)}: use 'code' (code artifacts) or 'dependency' (Spark dependencies)`);
}

/** A bare file name with an artifact extension, or a SparkInputError saying what is wrong with it. */
export function checkArtifactName(name: unknown): string {
  const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 100)) : String(name);
  const refuse = (why: string) => new SparkInputError(`invalid artifact name ${shown}: ${why}`);
  if (typeof name !== 'string' || name.length === 0) throw refuse('it is empty');
  if (name.length > 200) throw refuse('it is longer than 200 characters');
  if (/[/\\]/.test(name)) throw refuse('it must be a bare file name, without directories');
  if (name.includes('..')) throw refuse("it must not contain '..'");
  if (name.startsWith('.')) throw refuse("it must not start with '.'");
  if (!/^[A-Za-z0-9_.+-]+$/.test(name)) throw refuse('only letters, digits, dot, plus, dash and underscore are allowed');
  const ext = name.slice(name.lastIndexOf('.')).toLowerCase();
  if (!(ARTIFACT_EXTENSIONS as readonly string[]).includes(ext)) throw refuse(`the extension must be one of ${ARTIFACT_EXTENSIONS.join(', ')}`);
  return name;
}

/** The name of a Hadoop client configuration file: `<something>-site.xml` (core-site.xml, hdfs-site.xml, ...). */
export function checkHadoopFileName(name: unknown): string {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,60}-site\.xml$/.test(name)) {
    throw new SparkInputError(`invalid Hadoop configuration file name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : name)}: it must be a *-site.xml name such as core-site.xml`);
  }
  return name;
}
