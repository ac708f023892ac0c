/**
 * Hadoop client configuration files (`core-site.xml`, `hdfs-site.xml`, `yarn-site.xml`, ...): a
 * strict reader for the one shape Hadoop's `Configuration` loads — a `<configuration>` root holding
 * `<property>` elements with `<name>`, `<value>` and optionally `<description>`, `<final>`,
 * `<source>`, `<tag>` — and a writer for the same shape.
 *
 * Hand-written rather than a general XML parser on purpose: the grammar is tiny, and refusing
 * everything else (DOCTYPE and entity declarations, XInclude, other elements) means an upload can
 * neither expand entities nor smuggle content that later edits would lose (Couture parsed uploads
 * with lxml's default entity handling, couture-reference §6.4). Errors name the line.
 */
import { SparkInputError } from './names.js';

export interface HadoopProperty {
  name: string;
  value: string;
  description?: string;
  final?: boolean;
}

const PROPERTY_FIELDS = new Set(['name', 'value', 'description', 'final', 'source', 'tag']);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export const MAX_HADOOP_XML_BYTES = 256 * 1024;

class Reader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  fail(message: string, at = this.pos): never {
    const line = this.text.slice(0, at).split('\n').length;
    throw new SparkInputError(`${this.file}: line ${line}: ${message}; a Hadoop configuration file is <configuration> with <property><name>…</name><value>…</value></property> elements`);
  }

  skipMisc(): void {
    for (;;) {
      const rest = this.text.slice(this.pos);
      const ws = /^\s+/.exec(rest);
      if (ws) {
        this.pos += ws[0].length;
        continue;
      }
      if (rest.startsWith('<!--')) {
        const end = this.text.indexOf('-->', this.pos + 4);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 3;
        continue;
      }
      if (rest.startsWith('<?')) {
        const end = this.text.indexOf('?>', this.pos + 2);
        if (end < 0) this.fail('unterminated processing instruction');
        const target = /^<\?([A-Za-z][\w.-]*)/.exec(rest)?.[1];
        if (target === undefined || (target.toLowerCase() === 'xml' && this.pos !== 0 && this.text.slice(0, this.pos).trim() !== '')) this.fail('misplaced processing instruction');
        this.pos = end + 2;
        continue;
      }
      if (rest.startsWith('<!')) this.fail('DOCTYPE and entity declarations are not allowed');
      return;
    }
  }

  /** `<tag attrs>` or `<tag/>`: the name and whether it closed itself. */
  openTag(): { name: string; selfClosing: boolean; at: number } {
    const at = this.pos;
    const match = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected an element', at);
    this.pos += match[0].length;
    return { name: match[1]!, selfClosing: match[3] === '/', at };
  }

  closeTag(name: string): void {
    const match = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(this.text.slice(this.pos));
    if (!match) this.fail(`expected </${name}>`);
    if (match[1] !== name) this.fail(`</${match[1]}> closes <${name}>`);
    this.pos += match[0].length;
  }

  /** Character data up to the next tag, with entities and CDATA sections resolved. */
  text_(): string {
    let out = '';
    for (;;) {
      if (this.text.startsWith('<![CDATA[', this.pos)) {
        const end = this.text.indexOf(']]>', this.pos);
        if (end < 0) this.fail('unterminated CDATA section');
        out += this.text.slice(this.pos + 9, end);
        this.pos = end + 3;
        continue;
      }
      if (this.text.startsWith('<!--', this.pos)) {
        const end = this.text.indexOf('-->', this.pos + 4);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 3;
        continue;
      }
      const next = this.text.indexOf('<', this.pos);
      if (next < 0) this.fail('unexpected end of file');
      if (next === this.pos) return out;
      out += this.decode(this.text.slice(this.pos, next), this.pos);
      this.pos = next;
    }
  }

  private decode(raw: string, at: number): string {
    return raw.replace(/&([^;\s&]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) this.fail(`'&' must start an entity such as &amp;`, at);
      if (ENTITIES[ref] !== undefined) return ENTITIES[ref];
      const code = /^#x([0-9a-fA-F]{1,6})$/.exec(ref)?.[1] ?? /^#([0-9]{1,7})$/.exec(ref)?.[1];
      if (code !== undefined) {
        const point = ref.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
        if (point > 0 && point <= 0x10ffff) return String.fromCodePoint(point);
      }
      return this.fail(`unknown entity &${ref};`, at);
    });
  }
}

/** Reads a Hadoop configuration file; a SparkInputError (with the line) for anything else. */
export function parseHadoopXml(content: string | Uint8Array, file: string): HadoopProperty[] {
  let text: string;
  if (typeof content === 'string') text = content;
  else {
    if (content.length > MAX_HADOOP_XML_BYTES) throw new SparkInputError(`${file}: larger than ${MAX_HADOOP_XML_BYTES / 1024} KiB`);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      throw new SparkInputError(`${file}: not UTF-8 text`);
    }
  }
  if (Buffer.byteLength(text) > MAX_HADOOP_XML_BYTES) throw new SparkInputError(`${file}: larger than ${MAX_HADOOP_XML_BYTES / 1024} KiB`);
  const reader: Reader = new Reader(text.replace(/^\uFEFF/, ''), file);
  reader.skipMisc();
  if (reader.pos >= reader.text.length) reader.fail('the file is empty');
  const root = reader.openTag();
  if (root.name !== 'configuration') reader.fail(`the root element is <${root.name}>, not <configuration>`, root.at);
  const properties: HadoopProperty[] = [];
  const seen = new Set<string>();
  if (!root.selfClosing) {
    for (;;) {
      reader.skipMisc();
      if (reader.text.startsWith('</', reader.pos)) break;
      const element = reader.openTag();
      if (element.name !== 'property') reader.fail(`<${element.name}> is not allowed in <configuration> (only <property>)`, element.at);
      const fields: Record<string, string> = {};
      if (!element.selfClosing) {
        for (;;) {
          reader.skipMisc();
          if (reader.text.startsWith('</', reader.pos)) break;
          const field = reader.openTag();
          if (!PROPERTY_FIELDS.has(field.name)) reader.fail(`<${field.name}> is not allowed in <property>`, field.at);
          if (fields[field.name] !== undefined) reader.fail(`<property> has two <${field.name}> elements`, field.at);
          if (field.selfClosing) fields[field.name] = '';
          else {
            fields[field.name] = reader.text_();
            reader.closeTag(field.name);
          }
        }
        reader.closeTag('property');
      }
      const name = fields.name?.trim();
      if (!name) reader.fail('a <property> has no <name>', element.at);
      if (fields.value === undefined) reader.fail(`property '${name}' has no <value>`, element.at);
      if (seen.has(name)) reader.fail(`property '${name}' is defined twice`, element.at);
      seen.add(name);
      const property: HadoopProperty = { name, value: fields.value.trim() };
      if (fields.description !== undefined && fields.description.trim()) property.description = fields.description.trim();
      if (fields.final !== undefined && fields.final.trim() === 'true') property.final = true;
      properties.push(property);
    }
    reader.closeTag('configuration');
  }
  reader.skipMisc();
  if (reader.pos < reader.text.length) reader.fail('content after </configuration>');
  return properties;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes properties as a Hadoop configuration file (what import/export and downloads give back). */
export function writeHadoopXml(properties: readonly HadoopProperty[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<configuration>'];
  for (const p of properties) {
    lines.push('  <property>', `    <name>${escapeXml(p.name)}</name>`, `    <value>${escapeXml(p.value)}</value>`);
    if (p.description) lines.push(`    <description>${escapeXml(p.description)}</description>`);
    if (p.final) lines.push('    <final>true</final>');
    lines.push('  </property>');
  }
  lines.push('</configuration>', '');
  return lines.join('\n');
}
