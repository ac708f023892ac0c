/**
 * TF Serving's model config file (`tensorflow_model_server --model_config_file=... 
 * --model_config_file_poll_wait_seconds=60`), in protobuf text format. Couture listed every folder of
 * `tf-models/` (and whatever else was there) and let TF Serving pick the latest version; here each
 * model lists exactly the versions stored, so a version deleted is unloaded and an older one can be
 * served beside a newer one.
 */

export interface ServedModel {
  name: string;
  /** The folder holding the numbered version folders (a local path or `s3://bucket/prefix`). */
  basePath: string;
  versions: readonly number[];
}

/** A protobuf text-format string literal. */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/[\u0000-\u001f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}

export function tfServingConfig(models: readonly ServedModel[]): string {
  const lines = ['model_config_list {'];
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(
      '  config {',
      `    name: ${quoted(model.name)}`,
      `    base_path: ${quoted(model.basePath)}`,
      '    model_platform: "tensorflow"',
      '    model_version_policy {',
      '      specific {',
      ...[...model.versions].sort((a, b) => a - b).map((v) => `        versions: ${v}`),
      '      }',
      '    }',
      '  }',
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
