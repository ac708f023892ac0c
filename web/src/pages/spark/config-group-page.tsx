/**
 * One Spark config group, created or edited (Couture's group editor): where jobs run (the engine and
 * its settings), spark-submit Arguments and `--conf` Configurations in order, Kerberos principal and
 * keytab, the Livy password (write-only), and the Hadoop `*-site.xml` files — uploaded whole (the
 * server refuses anything but Hadoop configuration) and edited per property. The server checks every
 * save whole and answers a refusal in words, which is shown beside the form; nothing is half-saved.
 */
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../api/client';
import {
  deleteHadoopFile,
  deleteHadoopProperty,
  deleteKeytab,
  getConfigGroup,
  putConfigGroup,
  putHadoopFile,
  putHadoopProperty,
  putKeytab,
  type ConfigGroup,
  type ConfigGroupBody,
  type HadoopProperty,
  type SparkEngine,
} from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { PairsEditor } from '../../components/pairs-editor';
import { pairsOf, recordOf, type Pair } from '../../lib/pairs';
import { ErrorBox, Loading } from '../../components/status';
import { ENGINE_LABELS, NEW_GROUP, SPARK_ARGUMENTS, SPARK_CONF_SUGGESTIONS, bodyOf, cleanEngine, engineOfType, groupNameProblem } from '../../lib/spark-groups';

function EngineFields({ engine, onChange }: { engine: SparkEngine; onChange: (engine: SparkEngine) => void }) {
  const field = (key: string, label: string, hint?: string, placeholder?: string) => (
    <label className="field" key={key}>
      <span>
        {label} {hint ? <span className="hint">{hint}</span> : null}
      </span>
      <input className="mono" value={((engine as unknown as Record<string, unknown>)[key] as string | undefined) ?? ''} placeholder={placeholder} onChange={(e) => onChange({ ...engine, [key]: e.target.value } as SparkEngine)} />
    </label>
  );
  return (
    <div className="form-grid roomy">
      <label className="field">
        <span>Runs on</span>
        <select value={engine.type} onChange={(e) => onChange(engineOfType(e.target.value as SparkEngine['type'], engine))}>
          {(Object.keys(ENGINE_LABELS) as SparkEngine['type'][]).map((type) => (
            <option key={type} value={type}>
              {ENGINE_LABELS[type]}
            </option>
          ))}
        </select>
      </label>
      {engine.type === 'emr' ? field('cluster_id', 'Cluster id', '', 'j-2AXXXXXXGAPLF') : null}
      {engine.type === 'emr_serverless' ? (
        <>
          {field('application_id', 'Application id', '', '00f1abcdefgh1234')}
          {field('execution_role_arn', 'Execution role ARN', '', 'arn:aws:iam::123456789012:role/spark-jobs')}
          {field('log_uri', 'Log URI', '(optional, s3://)')}
        </>
      ) : null}
      {engine.type === 'livy' ? (
        <>
          {field('url', 'Livy URL', '', 'https://livy.example.com:8998')}
          <label className="field">
            <span>Authentication</span>
            <select value={engine.auth} onChange={(e) => onChange({ ...engine, auth: e.target.value as 'none' | 'basic' })}>
              <option value="none">none</option>
              <option value="basic">basic (username + password)</option>
            </select>
          </label>
          {engine.auth === 'basic' ? field('username', 'Livy username') : null}
          {field('proxy_user', 'Proxy user', '(optional)')}
          {field('artifact_uri', 'Artifact URI', '(optional: where Livy reads uploaded code)', 'hdfs:///user/skydag/artifacts/')}
        </>
      ) : null}
    </div>
  );
}

/** The editable part of a group as form state. */
interface Draft {
  name: string;
  description: string;
  engine: SparkEngine;
  arguments: Pair[];
  configurations: Pair[];
  principal: string;
  keytabPath: string;
  /** undefined: unchanged; '': remove; text: new password. */
  livyPassword: string | undefined;
}

const draftOf = (name: string, body: ConfigGroupBody): Draft => ({
  name,
  description: body.description,
  engine: body.engine,
  arguments: pairsOf(body.arguments),
  configurations: pairsOf(body.configurations),
  principal: body.kerberos.principal ?? '',
  keytabPath: body.kerberos.keytab_path ?? '',
  livyPassword: undefined,
});

function bodyOfDraft(draft: Draft, hadoop: ConfigGroupBody['hadoop']): ConfigGroupBody {
  const body: ConfigGroupBody = {
    description: draft.description,
    engine: cleanEngine(draft.engine),
    arguments: recordOf(draft.arguments),
    configurations: recordOf(draft.configurations),
    hadoop,
    kerberos: { principal: draft.principal.trim() || null, keytab_path: draft.keytabPath.trim() || null },
  };
  if (draft.livyPassword !== undefined) body.livy_password = draft.livyPassword === '' ? null : draft.livyPassword;
  return body;
}

function HadoopFile({ group, file, properties, canEdit, onSaved }: { group: string; file: string; properties: HadoopProperty[]; canEdit: boolean; onSaved: (g: ConfigGroup) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [adding, setAdding] = useState<Pair>(['', '']);
  const setProperty = useMutation({ mutationFn: ([name, value]: Pair) => putHadoopProperty(group, file, name, value), onSuccess: onSaved });
  const removeProperty = useMutation({ mutationFn: (name: string) => deleteHadoopProperty(group, file, name), onSuccess: onSaved });
  const removeFile = useMutation({ mutationFn: () => deleteHadoopFile(group, file), onSuccess: onSaved });
  const error = setProperty.error ?? removeProperty.error ?? removeFile.error;
  return (
    <section className="card" aria-label={file}>
      <div className="row">
        <h3 className="mono">{file}</h3>
        <span className="grow" />
        {canEdit ? (
          <button type="button" className="button small danger" disabled={removeFile.isPending} onClick={() => removeFile.mutate()}>
            Remove file
          </button>
        ) : null}
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>Property</th>
            <th>Value</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {properties.map((p) => {
            const value = values[p.name] ?? p.value;
            const changed = value !== p.value;
            return (
              <tr key={p.name}>
                <td className="mono wrap" title={p.description}>
                  {p.name}
                  {p.final ? <span className="pill">final</span> : null}
                </td>
                <td>
                  <input aria-label={`${file} ${p.name}`} className="mono" value={value} disabled={!canEdit} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />
                </td>
                <td className="actions">
                  {canEdit && changed ? (
                    <button type="button" className="button small primary" disabled={setProperty.isPending} onClick={() => setProperty.mutate([p.name, value], { onSuccess: () => setValues(({ [p.name]: _, ...rest }) => rest) })}>
                      Save
                    </button>
                  ) : null}{' '}
                  {canEdit ? (
                    <button type="button" className="button small" aria-label={`Remove ${p.name}`} disabled={removeProperty.isPending} onClick={() => removeProperty.mutate(p.name)}>
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
          {canEdit ? (
            <tr>
              <td>
                <input aria-label={`New property of ${file}`} className="mono" placeholder="fs.defaultFS" value={adding[0]} onChange={(e) => setAdding([e.target.value, adding[1]])} />
              </td>
              <td>
                <input aria-label={`New value of ${file}`} className="mono" placeholder="hdfs://namenode:8020" value={adding[1]} onChange={(e) => setAdding([adding[0], e.target.value])} />
              </td>
              <td className="actions">
                <button type="button" className="button small" disabled={!adding[0].trim() || setProperty.isPending} onClick={() => setProperty.mutate([adding[0].trim(), adding[1]], { onSuccess: () => setAdding(['', '']) })}>
                  Add property
                </button>
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {error ? <div className="callout error" role="alert">{errorMessage(error)}</div> : null}
    </section>
  );
}

function HadoopFiles({ group, canEdit, onSaved }: { group: ConfigGroup; canEdit: boolean; onSaved: (g: ConfigGroup) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({ mutationFn: (file: File) => putHadoopFile(group.name, file.name, file), onSuccess: onSaved });
  return (
    <section className="section">
      <div className="row">
        <h2>Hadoop configuration</h2>
        <span className="grow" />
        {canEdit ? (
          <>
            <button type="button" className="button" disabled={upload.isPending} onClick={() => input.current?.click()}>
              Upload *-site.xml
            </button>
            <input
              ref={input}
              type="file"
              accept=".xml,application/xml,text/xml"
              hidden
              data-testid="hadoop-file-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) upload.mutate(file);
              }}
            />
          </>
        ) : null}
      </div>
      <p className="muted small">Applied to every job of this group as <code>spark.hadoop.*</code> settings. Only well-formed Hadoop configuration files (core-site.xml, hdfs-site.xml, yarn-site.xml, …) are accepted.</p>
      {upload.isError ? <div className="callout error" role="alert">{errorMessage(upload.error)}</div> : null}
      {Object.keys(group.hadoop).length === 0 ? <p className="muted">No Hadoop file.</p> : null}
      {Object.entries(group.hadoop).map(([file, properties]) => (
        <HadoopFile key={file} group={group.name} file={file} properties={properties} canEdit={canEdit} onSaved={onSaved} />
      ))}
    </section>
  );
}

function Keytab({ group, canEdit, onSaved }: { group: ConfigGroup; canEdit: boolean; onSaved: (g: ConfigGroup) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({ mutationFn: (file: File) => putKeytab(group.name, file), onSuccess: onSaved });
  const remove = useMutation({ mutationFn: () => deleteKeytab(group.name), onSuccess: onSaved });
  const error = upload.error ?? remove.error;
  return (
    <div className="row" data-testid="keytab">
      <span>
        Keytab: <strong>{group.keytab_set ? 'uploaded (stored sealed, never shown)' : 'none'}</strong>
      </span>
      {canEdit ? (
        <>
          <button type="button" className="button small" disabled={upload.isPending} onClick={() => input.current?.click()}>
            {group.keytab_set ? 'Replace keytab' : 'Upload keytab'}
          </button>
          <input
            ref={input}
            type="file"
            hidden
            data-testid="keytab-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) upload.mutate(file);
            }}
          />
          {group.keytab_set ? (
            <button type="button" className="button small danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              Remove keytab
            </button>
          ) : null}
        </>
      ) : null}
      {error ? <div className="callout error" role="alert">{errorMessage(error)}</div> : null}
    </div>
  );
}

export function ConfigGroupPage() {
  const { groupName } = useParams();
  const creating = groupName === undefined;
  const group = useQuery({ queryKey: ['config-group', groupName], queryFn: () => getConfigGroup(groupName!), enabled: !creating });
  if (!creating && group.isPending) return <Loading what={`config group ${groupName}`} />;
  if (!creating && group.isError) {
    return (
      <div className="page">
        <ErrorBox error={group.error} title={group.error instanceof ApiError && group.error.status === 404 ? `No config group '${groupName}'` : undefined} />
        <Link to="/config-groups">All config groups</Link>
      </div>
    );
  }
  // One form per group: its draft starts from the stored group and survives keytab and Hadoop edits.
  return <GroupForm key={groupName ?? ''} group={creating ? undefined : group.data} />;
}

function GroupForm({ group }: { group: ConfigGroup | undefined }) {
  const creating = group === undefined;
  const session = useSession();
  const canEdit = session.can('edit:config_groups');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Keytab and Hadoop edits update the cached group; the form's draft stays as typed.
  const current = useQuery({ queryKey: ['config-group', group?.name], queryFn: () => getConfigGroup(group!.name), enabled: !creating, initialData: group }).data;
  const [draft, setDraft] = useState<Draft>(() => (group ? draftOf(group.name, bodyOf(group)) : draftOf('', NEW_GROUP)));

  const onSaved = (saved: ConfigGroup) => {
    queryClient.setQueryData(['config-group', saved.name], saved);
    void queryClient.invalidateQueries({ queryKey: ['config-groups'] });
  };
  const save = useMutation({
    mutationFn: (d: Draft) => putConfigGroup(d.name, bodyOfDraft(d, current?.hadoop ?? {})),
    onSuccess: (saved) => {
      onSaved(saved);
      setDraft(draftOf(saved.name, bodyOf(saved)));
      if (creating) navigate(`/config-groups/${encodeURIComponent(saved.name)}`, { replace: true });
    },
  });

  const nameProblem = creating ? groupNameProblem(draft.name) : null;
  const update = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          <Link to="/config-groups">Config groups</Link> / {creating ? 'New group' : <span className="mono">{draft.name}</span>}
        </h1>
        {current?.is_default ? <span className="pill ok">default</span> : null}
      </div>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!nameProblem) save.mutate(draft);
        }}
      >
        <fieldset className="stack" disabled={!canEdit}>
          <div className="form-grid roomy">
            {creating ? (
              <label className="field">
                <span>Name</span>
                <input className="mono" value={draft.name} onChange={(e) => update({ name: e.target.value })} aria-invalid={Boolean(nameProblem && draft.name)} />
                {nameProblem && draft.name ? <span className="hint error-text">{nameProblem}</span> : null}
              </label>
            ) : null}
            <label className="field">
              <span>Description</span>
              <input value={draft.description} onChange={(e) => update({ description: e.target.value })} />
            </label>
          </div>
          <EngineFields engine={draft.engine} onChange={(engine) => update({ engine })} />
          <PairsEditor label="Arguments" pairs={draft.arguments} onChange={(args) => update({ arguments: args })} suggestions={SPARK_ARGUMENTS} namePlaceholder="executor-memory" valuePlaceholder="4g" />
          <PairsEditor label="Configurations" pairs={draft.configurations} onChange={(configurations) => update({ configurations })} suggestions={SPARK_CONF_SUGGESTIONS} namePlaceholder="spark.sql.shuffle.partitions" valuePlaceholder="200" />
          <div className="form-grid roomy">
            <label className="field">
              <span>
                Kerberos principal <span className="hint">(optional)</span>
              </span>
              <input className="mono" value={draft.principal} placeholder="etl@EXAMPLE.COM" onChange={(e) => update({ principal: e.target.value })} />
            </label>
            <label className="field">
              <span>
                Keytab path on the cluster <span className="hint">(remote engines; locally the uploaded keytab is used)</span>
              </span>
              <input className="mono" value={draft.keytabPath} onChange={(e) => update({ keytabPath: e.target.value })} />
            </label>
            {draft.engine.type === 'livy' && draft.engine.auth === 'basic' ? (
              <label className="field">
                <span>
                  Livy password <span className="hint">({current?.livy_password_set ? 'set; leave empty to keep it' : 'not set'})</span>
                </span>
                <input type="password" autoComplete="new-password" value={draft.livyPassword ?? ''} onChange={(e) => update({ livyPassword: e.target.value || undefined })} />
              </label>
            ) : null}
          </div>
        </fieldset>
        {save.isError ? <div className="callout error" role="alert">Not saved: {errorMessage(save.error)}</div> : null}
        {save.isSuccess ? <div className="callout ok" role="status">Saved. Tasks started from now on use these settings.</div> : null}
        {canEdit ? (
          <div className="row">
            <button type="submit" className="button primary" disabled={save.isPending || Boolean(nameProblem)}>
              {save.isPending ? 'Saving…' : creating ? 'Create group' : 'Save'}
            </button>
          </div>
        ) : null}
      </form>
      {current ? (
        <>
          <section className="section">
            <h2>Kerberos keytab</h2>
            <Keytab group={current} canEdit={canEdit} onSaved={onSaved} />
          </section>
          <HadoopFiles group={current} canEdit={canEdit} onSaved={onSaved} />
        </>
      ) : null}
    </div>
  );
}
