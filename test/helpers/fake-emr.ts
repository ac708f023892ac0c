/**
 * Fake EMR and EMR Serverless endpoints for tests, following the services' documented protocols and
 * recording every request:
 * - EMR (JSON 1.1, `X-Amz-Target: ElasticMapReduce.<Action>`): AddJobFlowSteps on a known cluster id
 *   adds a step (PENDING → RUNNING → COMPLETED / FAILED) and DescribeStep reports it; an unknown cluster
 *   is InvalidRequestException, as EMR answers.
 * - EMR Serverless (REST JSON): POST /applications/{id}/jobruns starts a job run (the same clientToken
 *   returns the same run), GET /applications/{id}/jobruns/{jobRunId} reports it (SUBMITTED → RUNNING →
 *   SUCCESS / FAILED).
 * A step "runs" its command-runner argv (`spark-submit ...`) and a job run the spark-submit argv its
 * driver describes, with the PATH given (e.g. the fake spark-submit's), so success and failure come
 * from the program, as on a cluster.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  service: 'emr' | 'emr-serverless';
  /** EMR: the X-Amz-Target action; EMR Serverless: `METHOD path`. */
  action: string;
  body: Record<string, unknown>;
}

interface RunState {
  state: string;
  argv: string[];
  output: string;
  exitCode?: number;
}

export interface FakeEmr {
  /** For AWS_ENDPOINT_URL_EMR and AWS_ENDPOINT_URL_EMR_SERVERLESS. */
  endpoint: string;
  requests(): RecordedRequest[];
  /** The argv each step / job run ran, in order. */
  runs(): string[][];
  close(): Promise<void>;
}

export async function startFakeEmr(options: { clusters: string[]; applications: string[]; path: string }): Promise<FakeEmr> {
  const requests: RecordedRequest[] = [];
  const steps = new Map<string, RunState & { clusterId: string; step: Record<string, unknown> }>();
  const jobRuns = new Map<string, RunState & { applicationId: string; request: Record<string, unknown> }>();
  const byToken = new Map<string, string>();
  const ran: string[][] = [];
  let counter = 0;

  const run = (entry: RunState) => {
    entry.state = 'RUNNING';
    ran.push(entry.argv);
    const child = spawn(entry.argv[0]!, entry.argv.slice(1), { env: { ...process.env, PATH: options.path } });
    child.stdout.on('data', (d: Buffer) => (entry.output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (entry.output += d.toString()));
    child.on('error', (err) => {
      entry.output += String(err);
      entry.exitCode = 127;
    });
    child.on('close', (code) => {
      entry.exitCode ??= code ?? 1;
      entry.state = entry.exitCode === 0 ? 'DONE' : 'ERROR';
    });
  };

  const send = (res: ServerResponse, status: number, body: unknown, contentType: string) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(JSON.stringify(body));
  };

  const emr = (res: ServerResponse, action: string, body: Record<string, unknown>) => {
    const reply = (status: number, value: unknown) => send(res, status, value, 'application/x-amz-json-1.1');
    const invalid = (message: string) => reply(400, { __type: 'InvalidRequestException', Message: message });
    if (action === 'AddJobFlowSteps') {
      const clusterId = String(body.JobFlowId);
      if (!options.clusters.includes(clusterId)) return invalid(`Cluster id '${clusterId}' is not valid.`);
      const ids = ((body.Steps as Record<string, unknown>[]) ?? []).map((step) => {
        const id = `s-FAKE${String(++counter).padStart(8, '0')}`;
        const args = ((step.HadoopJarStep as { Args?: string[] }).Args ?? []).map(String);
        const entry = { clusterId, step, state: 'PENDING', argv: args, output: '' };
        steps.set(id, entry);
        setImmediate(() => run(entry));
        return id;
      });
      return reply(200, { StepIds: ids });
    }
    if (action === 'DescribeStep') {
      const entry = steps.get(String(body.StepId));
      if (!entry || entry.clusterId !== body.ClusterId) return invalid(`Step id '${String(body.StepId)}' is not valid.`);
      const state = entry.state === 'DONE' ? 'COMPLETED' : entry.state === 'ERROR' ? 'FAILED' : entry.state;
      const step = entry.step as { Name?: string; ActionOnFailure?: string; HadoopJarStep: { Jar: string; Args?: string[] } };
      return reply(200, {
        Step: {
          Id: body.StepId,
          Name: step.Name,
          ActionOnFailure: step.ActionOnFailure,
          Config: { Jar: step.HadoopJarStep.Jar, Args: step.HadoopJarStep.Args ?? [] },
          Status: {
            State: state,
            ...(state === 'FAILED' ? { FailureDetails: { Reason: `exit code ${entry.exitCode}`, Message: entry.output.trim().split('\n').slice(-1)[0] ?? '', LogFile: `s3://fake-emr-logs/${entry.clusterId}/steps/${String(body.StepId)}/stderr.gz` } } : {}),
          },
        },
      });
    }
    return reply(400, { __type: 'UnknownOperationException', Message: `unsupported action ${action}` });
  };

  const serverless = (res: ServerResponse, method: string, path: string, body: Record<string, unknown>) => {
    const reply = (status: number, value: unknown) => send(res, status, value, 'application/json');
    const start = /^\/applications\/([^/]+)\/jobruns$/.exec(path);
    const get = /^\/applications\/([^/]+)\/jobruns\/([^/]+)$/.exec(path);
    if (method === 'POST' && start) {
      const applicationId = decodeURIComponent(start[1]!);
      if (!options.applications.includes(applicationId)) return reply(404, { message: `Application ${applicationId} does not exist` });
      const token = String(body.clientToken ?? '');
      const existing = byToken.get(token);
      if (existing) return reply(200, { applicationId, jobRunId: existing, arn: `arn:aws:emr-serverless:us-east-1:000000000000:/applications/${applicationId}/jobruns/${existing}` });
      const jobRunId = `00fake${String(++counter).padStart(10, '0')}`;
      const driver = (body.jobDriver as { sparkSubmit: { entryPoint: string; entryPointArguments?: string[]; sparkSubmitParameters?: string } }).sparkSubmit;
      const overrides = body.configurationOverrides as { applicationConfiguration?: { classification: string; properties: Record<string, string> }[] } | undefined;
      const confs = (overrides?.applicationConfiguration ?? []).filter((c) => c.classification === 'spark-defaults').flatMap((c) => Object.entries(c.properties).flatMap(([k, v]) => ['--conf', `${k}=${v}`]));
      const params = (driver.sparkSubmitParameters ?? '').split(/\s+/).filter(Boolean);
      const entry = { applicationId, request: body, state: 'SUBMITTED', argv: ['spark-submit', ...params, ...confs, driver.entryPoint, ...(driver.entryPointArguments ?? [])], output: '' };
      jobRuns.set(jobRunId, entry);
      if (token) byToken.set(token, jobRunId);
      setImmediate(() => run(entry));
      return reply(200, { applicationId, jobRunId, arn: `arn:aws:emr-serverless:us-east-1:000000000000:/applications/${applicationId}/jobruns/${jobRunId}` });
    }
    if (method === 'GET' && get) {
      const entry = jobRuns.get(decodeURIComponent(get[2]!));
      if (!entry) return reply(404, { message: 'Job run not found' });
      const state = entry.state === 'DONE' ? 'SUCCESS' : entry.state === 'ERROR' ? 'FAILED' : entry.state;
      return reply(200, {
        jobRun: {
          applicationId: entry.applicationId,
          jobRunId: get[2],
          name: entry.request.name,
          state,
          stateDetails: state === 'FAILED' ? `Job failed, exit code ${entry.exitCode}: ${entry.output.trim().split('\n').slice(-1)[0] ?? ''}` : '',
          releaseLabel: 'emr-7.0.0',
          executionRole: entry.request.executionRoleArn,
          jobDriver: entry.request.jobDriver,
          createdAt: 0,
          updatedAt: 0,
          createdBy: 'arn:aws:iam::000000000000:user/fake',
          arn: `arn:aws:emr-serverless:us-east-1:000000000000:/applications/${entry.applicationId}/jobruns/${get[2]}`,
        },
      });
    }
    return reply(404, { message: `no route ${method} ${path}` });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('ElasticMapReduce.')) {
        const action = target.slice('ElasticMapReduce.'.length);
        requests.push({ service: 'emr', action, body });
        return emr(res, action, body);
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ service: 'emr-serverless', action: `${req.method} ${path}`, body });
      return serverless(res, req.method ?? 'GET', path, body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => [...requests],
    runs: () => [...ran],
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
