/** Config groups: validation, secrets sealed and never shown, the default, per-property Hadoop edits; Hadoop XML reading. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import { ArtifactStore } from './artifacts.js';
import { ConfigGroupStore, configGroupVersion, publicView } from './config-groups.js';
import { parseHadoopXml, writeHadoopXml } from './hadoop-xml.js';
import { SparkInputError } from './names.js';

const CORE_SITE = `<?xml version="1.0"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- cluster settings -->
<configuration>
  <property>
    <name>fs.defaultFS</name>
    <value>hdfs://nn:8020</value>
    <description>the &lt;default&gt; file system</description>
  </property>
  <property><name>hadoop.security.authentication</name><value>kerberos</value><final>true</final></property>
  <property><name>empty.value</name><value/></property>
</configuration>
`;

describe('Hadoop XML', () => {
  it('reads the <configuration>/<property> shape and writes it back', () => {
    const props = parseHadoopXml(CORE_SITE, 'core-site.xml');
    expect(props).toEqual([
      { name: 'fs.defaultFS', value: 'hdfs://nn:8020', description: 'the <default> file system' },
      { name: 'hadoop.security.authentication', value: 'kerberos', final: true },
      { name: 'empty.value', value: '' },
    ]);
    expect(parseHadoopXml(writeHadoopXml(props), 'core-site.xml')).toEqual(props);
  });

  it.each([
    ['not XML at all', 'fs.defaultFS=hdfs://nn', /line 1: expected an element/],
    ['an empty file', '  ', /the file is empty/],
    ['another root', '<hadoop><property/></hadoop>', /the root element is <hadoop>/],
    ['a DOCTYPE (entity expansion)', '<!DOCTYPE c [<!ENTITY x "y">]><configuration/>', /DOCTYPE and entity declarations are not allowed/],
    ['an unknown entity', '<configuration><property><name>a</name><value>&x;</value></property></configuration>', /unknown entity &x;/],
    ['XInclude', '<configuration><xi:include href="other.xml"/></configuration>', /<xi:include> is not allowed in <configuration>/],
    ['a property without a value', '<configuration><property><name>a</name></property></configuration>', /property 'a' has no <value>/],
    ['a property twice', '<configuration><property><name>a</name><value>1</value></property>\n<property><name>a</name><value>2</value></property></configuration>', /line 2: property 'a' is defined twice/],
    ['mismatched tags', '<configuration><property><name>a</value></property></configuration>', /<\/value> closes <name>/],
    ['trailing content', '<configuration/><configuration/>', /content after <\/configuration>/],
  ])('refuses %s with the line', (_what, text, message) => {
    expect(() => parseHadoopXml(text, 'core-site.xml')).toThrow(message);
  });

  it('refuses binary content and files that are too large', () => {
    expect(() => parseHadoopXml(Buffer.from([0xff, 0xfe, 0x00]), 'core-site.xml')).toThrow(/not UTF-8 text/);
    expect(() => parseHadoopXml(Buffer.alloc(300 * 1024, 0x20), 'core-site.xml')).toThrow(/larger than 256 KiB/);
  });
});

describe('config groups', () => {
  let dir: string;
  let groups: ConfigGroupStore;
  const cipher = new AesGcmCipher(generateSecretKey());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-groups-'));
    groups = new ConfigGroupStore(new FsBlobStore(dir), cipher, () => new Date('2024-01-01T00:00:00Z'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const everyFile = (): string => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [readFileSync(join(d, e.name), 'utf8')]));
    return walk(dir).join('\n');
  };

  it('keeps the keytab and the Livy password sealed; the public view only says whether they are set', async () => {
    const group = await groups.put(
      { name: 'prod', engine: { type: 'livy', url: 'https://livy.example.com:8998/', auth: 'basic', username: 'etl' }, kerberos: { principal: 'etl@EXAMPLE.COM' } },
      { keytab: Buffer.from('THE-KEYTAB-BYTES'), livyPassword: 'livy-s3cret' },
    );
    expect(everyFile()).not.toMatch(/livy-s3cret|THE-KEYTAB-BYTES|VEhFLUtFWVRBQi1CWVRFUw/);
    const shown = JSON.stringify(publicView(group, await groups.defaultName()));
    expect(shown).not.toMatch(/livy-s3cret|enc:v1/);
    expect(publicView(group, 'prod')).toMatchObject({ name: 'prod', is_default: true, keytab_set: true, livy_password_set: true, engine: { url: 'https://livy.example.com:8998' } });
    expect(groups.keytab(group)!.toString()).toBe('THE-KEYTAB-BYTES');
    expect(groups.livyPassword(group)).toBe('livy-s3cret');
    // A later write without secrets keeps them; null removes one.
    const again = await groups.put({ name: 'prod', engine: { type: 'local' } }, { livyPassword: null });
    expect(groups.keytab(again)!.toString()).toBe('THE-KEYTAB-BYTES');
    expect(groups.livyPassword(again)).toBeUndefined();
  });

  it('the first group is the default; the default cannot be deleted; resolve falls back to a built-in local group', async () => {
    expect((await groups.resolve(undefined)).engine).toEqual({ type: 'local' });
    await groups.put({ name: 'a', engine: { type: 'local' } });
    await groups.put({ name: 'b', engine: { type: 'emr', cluster_id: 'j-2AXXXXXXGAPLF' } });
    expect(await groups.defaultName()).toBe('a');
    await expect(groups.delete('a')).rejects.toThrow(/is the default; make another group the default first/);
    await groups.setDefault('b');
    expect((await groups.resolve(undefined)).name).toBe('b');
    expect((await groups.resolve('a')).name).toBe('a');
    await groups.delete('a');
    expect((await groups.list()).map((g) => g.name)).toEqual(['b']);
  });

  it.each([
    ['a traversal name', { name: '..', engine: { type: 'local' } }, /invalid config group name/],
    ['a slash', { name: 'a/b', engine: { type: 'local' } }, /invalid config group name/],
    ['an unknown argument', { name: 'g', engine: { type: 'local' }, arguments: { 'class': 'x' } }, /'class' is not a spark-submit argument a group may set/],
    ['a keytab as an argument', { name: 'g', engine: { type: 'local' }, arguments: { keytab: '/k' } }, /not a spark-submit argument|set the principal and keytab under kerberos/],
    ['a line break in a value', { name: 'g', engine: { type: 'local' }, configurations: { 'spark.x': 'a\nb' } }, /control characters/],
    ['a bad EMR cluster id', { name: 'g', engine: { type: 'emr', cluster_id: 'cluster-1' } }, /needs cluster_id/],
    ['a Livy URL with credentials', { name: 'g', engine: { type: 'livy', url: 'http://u:p@livy:8998' } }, /must not carry credentials/],
    ['a non-*-site.xml Hadoop file', { name: 'g', engine: { type: 'local' }, hadoop: { '../x.xml': [] } }, /must be a \*-site.xml name/],
  ])('refuses %s and changes nothing', async (_what, input, message) => {
    await expect(groups.put(input)).rejects.toThrow(message);
    await expect(groups.put(input)).rejects.toBeInstanceOf(SparkInputError);
    expect(await groups.list()).toEqual([]);
    await expect(groups.setDefault('..')).rejects.toThrow(/invalid config group name/);
    await expect(groups.delete('..')).rejects.toThrow(/invalid config group name/);
  });

  it('edits Hadoop properties one at a time', async () => {
    await groups.put({ name: 'g', engine: { type: 'local' }, hadoop: { 'core-site.xml': parseHadoopXml(CORE_SITE, 'core-site.xml') } });
    await groups.setHadoopProperty('g', 'core-site.xml', 'fs.defaultFS', 'hdfs://other:8020');
    await groups.setHadoopProperty('g', 'yarn-site.xml', 'yarn.resourcemanager.address', 'rm:8032');
    const g = await groups.setHadoopProperty('g', 'core-site.xml', 'empty.value', null);
    expect(g.hadoop['core-site.xml']!.map((p) => [p.name, p.value])).toEqual([['fs.defaultFS', 'hdfs://other:8020'], ['hadoop.security.authentication', 'kerberos']]);
    expect(g.hadoop['yarn-site.xml']).toEqual([{ name: 'yarn.resourcemanager.address', value: 'rm:8032' }]);
    await expect(groups.setHadoopProperty('g', 'core-site.xml', 'absent', null)).rejects.toThrow(/has no property 'absent'/);
  });

  it('a version names the content: saving unchanged keeps it; any change, a new keytab included, makes a new one', async () => {
    const body = { name: 'g', engine: { type: 'local' }, arguments: { master: 'local[2]' }, configurations: { 'spark.a': '1' } };
    const first = configGroupVersion(await groups.put(body));
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    let clock = new Date('2024-02-01T00:00:00Z');
    groups = new ConfigGroupStore(new FsBlobStore(dir), cipher, () => clock);
    expect(configGroupVersion(await groups.put(body))).toBe(first);
    const conf = configGroupVersion(await groups.put({ ...body, configurations: { 'spark.a': '2' } }));
    expect(conf).not.toBe(first);
    clock = new Date('2024-03-01T00:00:00Z');
    const withKeytab = configGroupVersion(await groups.setKeytab('g', Buffer.from('KT')));
    expect(withKeytab).not.toBe(conf);
    // The same keytab again (a re-import) is the same version; another keytab is not.
    expect(configGroupVersion(await groups.setKeytab('g', Buffer.from('KT')))).toBe(withKeytab);
    const other = configGroupVersion(await groups.setKeytab('g', Buffer.from('KT2')));
    expect(other).not.toBe(withKeytab);
    expect(configGroupVersion((await groups.get('g'))!)).toBe(other);
    expect(configGroupVersion(await groups.resolve(undefined))).toBe(other);
  });
});

describe('artifacts', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'skydag-artifacts-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads, lists and deletes; refuses traversal names, other extensions, empty and huge files, writing nothing', async () => {
    const artifacts = new ArtifactStore(new FsBlobStore(dir), 1024);
    await artifacts.upload('code', 'job.jar', Buffer.from('PK'));
    await artifacts.upload('dependency', 'lib.zip', Buffer.from('PK'));
    expect((await artifacts.list()).map((a) => [a.kind, a.name, a.size])).toEqual([['code', 'job.jar', 2], ['dependency', 'lib.zip', 2]]);
    await expect(artifacts.upload('code', '../../etc/passwd.py', Buffer.from('x'))).rejects.toThrow(/bare file name/);
    await expect(artifacts.upload('code', '..py', Buffer.from('x'))).rejects.toThrow(/must not contain '\.\.'/);
    await expect(artifacts.upload('code', 'run.sh', Buffer.from('x'))).rejects.toThrow(/extension must be one of .jar, .py, .zip, .egg/);
    await expect(artifacts.upload('code', 'empty.py', Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(artifacts.upload('code', 'huge.jar', Buffer.alloc(2048))).rejects.toThrow(/2048 bytes is more than/);
    await expect(artifacts.delete('code', '..')).rejects.toThrow(/invalid artifact name/);
    expect((await artifacts.list()).map((a) => a.name)).toEqual(['job.jar', 'lib.zip']);
    await artifacts.delete('code', 'job.jar');
    await expect(artifacts.delete('code', 'job.jar')).rejects.toThrow(/no code artifact named 'job.jar'/);
  });
});
