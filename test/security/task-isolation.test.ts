/**
 * The probe that found issue 7's first fault, replayed against the real local platform: an Op uploads
 * a DAG whose tasks print the admin password, read the signing key from $SKYDAG_HOME, look around
 * their working directory and file descriptors, and talk to the embedded store's loopback port; then
 * the Op tries to log in as admin, or mint an Admin token, with whatever the tasks found.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenService } from '../../shared/api/auth/tokens.js';
import { deriveKey, parseSecretKey } from '../../shared/api/secrets/cipher.js';
import { call, login, startPlatformProcess, waitForRunEnd, type PlatformProcess } from './support.js';

const ADMIN_PASSWORD = 'Adm1n-pr0be-secret';
const AWS_SECRET = 'aws-secret-from-the-platform-env';
const OP_PASSWORD = 'op-user-Passw0rd';

const PROBE_DAG = `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

BASH_PROBE = """
echo "password=[$SKYDAG_ADMIN_PASSWORD]"
echo "home=[$SKYDAG_HOME]"
echo "aws=[$AWS_SECRET_ACCESS_KEY]"
echo "key=[$(cat "$SKYDAG_HOME/secret.key" 2>&1)]"
echo "cwd=[$(pwd)]"
echo "cwdkey=[$(cat secret.key ../secret.key .skydag/secret.key 2>&1)]"
ls -l /proc/$$/fd > fds.txt
awk '/->/ { print "fd", $(NF-2), "->", $NF }' fds.txt
env | sed 's/^/env /'
"""


def python_probe():
    import os
    import urllib.request
    print("py-password=[%s]" % os.environ.get("SKYDAG_ADMIN_PASSWORD", ""))
    print("py-cwd=[%s]" % os.getcwd())
    print("py-env=%s" % sorted(os.environ))
    # The TCP ports the nearest ancestor that listens (the platform: a warm Python worker may be in
    # between) listens on, found as an attacker would.
    def listening(pid):
        inodes = set()
        fd_dir = "/proc/%d/fd" % pid
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = []
        with open("/proc/net/tcp") as sockets:
            for line in sockets.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    found.append(int(fields[1].split(":")[1], 16))
        return found
    ports = []
    pid = os.getppid()
    while pid > 1 and not ports:
        ports = listening(pid)
        with open("/proc/%d/stat" % pid) as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])
    print("store-probe ports=%s" % sorted(ports))
    for port in sorted(ports):
        request = urllib.request.Request("http://127.0.0.1:%d/" % port, data=b"{}", method="POST", headers={
            "x-amz-target": "DynamoDB_20120810.ListTables",
            "content-type": "application/x-amz-json-1.0",
            "x-amz-date": "20240101T000000Z",
            "authorization": "AWS4-HMAC-SHA256 Credential=skydag-local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        })
        try:
            body = urllib.request.urlopen(request, timeout=5).read().decode()
        except Exception as err:
            body = "refused: %s %s" % (err, getattr(err, "read", lambda: b"")().decode())
        print("store-probe port=%d answer=%s" % (port, body[:300]))


with DAG("escalate", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="bash_probe", bash_command=BASH_PROBE)
    PythonOperator(task_id="python_probe", python_callable=python_probe)
`;

describe('task isolation: the escalation probe', () => {
  let root: string;
  let home: string;
  let dags: string;
  let platform: PlatformProcess | undefined;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-iso-'));
    home = join(root, '.skydag');
    dags = join(root, 'dags');
    mkdirSync(dags);
  });
  afterAll(async () => {
    await platform?.stop();
    platform = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('an Op cannot reach the admin password, the signing key or the store through a task', async () => {
    platform = await startPlatformProcess({
      dags,
      home,
      env: { SKYDAG_ADMIN_PASSWORD: ADMIN_PASSWORD, AWS_ACCESS_KEY_ID: 'AKIAPROBE', AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    const server = platform;
    const admin = await login(server, 'admin', ADMIN_PASSWORD);
    const created = await call(server, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'op', email: 'op@example.com', password: OP_PASSWORD, roles: [{ name: 'Op' }] },
    });
    expect(created.status).toBe(200);
    const op = await login(server, 'op', OP_PASSWORD);

    const upload = await call(server, 'POST', '/api/v1/dagFiles', { token: op, body: { filename: 'escalate.py', content: PROBE_DAG } });
    expect(upload.status).toBeLessThan(300);
    expect((await call(server, 'POST', '/api/v1/dags/escalate/dagRuns', { token: op, body: { dag_run_id: 'probe' } })).status).toBe(200);
    const run = await waitForRunEnd(server, op, 'escalate', 'probe');
    const bashLog = (await call(server, 'GET', '/api/v1/dags/escalate/dagRuns/probe/taskInstances/bash_probe/logs/1', { token: op })).json.content as string;
    const pythonLog = (await call(server, 'GET', '/api/v1/dags/escalate/dagRuns/probe/taskInstances/python_probe/logs/1', { token: op })).json.content as string;
    expect(run.state).toBe('success');
    const logs = `${bashLog}\n${pythonLog}`;

    // Nothing of the platform's environment or state reached the tasks.
    const key = readFileSync(join(home, 'secret.key'), 'utf8').trim();
    expect(logs).not.toContain(ADMIN_PASSWORD);
    expect(logs).not.toContain(AWS_SECRET);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(home);
    expect(bashLog).toContain('password=[]');
    expect(bashLog).toContain('home=[]');
    expect(bashLog).not.toMatch(/^env (SKYDAG_(?!DAGS_FOLDER)|AWS_)/m);
    expect(pythonLog).toContain('py-password=[]');
    // It ran in a fresh temporary directory, outside the state folder, with only stdin/stdout/stderr open.
    const cwd = /cwd=\[(.*)\]/.exec(bashLog)![1]!;
    expect(cwd.startsWith(tmpdir())).toBe(true);
    expect(cwd.startsWith(home)).toBe(false);
    expect(/py-cwd=\[(.*)\]/.exec(pythonLog)![1]!.startsWith(home)).toBe(false);
    const fds = [...bashLog.matchAll(/^fd (\d+) -> (.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(fds.map(([fd]) => fd)).toEqual(['0', '1', '2']);
    expect(fds.some(([, target]) => target!.includes(home))).toBe(false);

    // The platform's ports (the API, the store, the CLI's run-control channel) answered nothing without its keys.
    expect(pythonLog).toMatch(/store-probe ports=\[\d+, \d+, \d+\]/);
    const answers = [...pythonLog.matchAll(/^store-probe port=\d+ answer=(.*)$/gm)].map((m) => m[1]!);
    expect(answers).toHaveLength(3);
    expect(answers.some((a) => a.includes('security token included in the request is invalid'))).toBe(true);
    expect(answers.join('\n')).not.toContain('TableNames');

    // With what the tasks printed, the Op can neither log in as admin nor mint an Admin token.
    const printed = [...logs.matchAll(/(?:password|key|cwdkey)=\[([^\]]*)\]/g)].map((m) => m[1]!).filter(Boolean);
    for (const candidate of printed) expect((await call(server, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: candidate } })).status).toBe(401);
    const adminVersion = (await call(server, 'GET', '/api/v1/users/admin', { token: admin })).json.changed_on as string;
    const forge = async (key: string) => (await new TokenService(deriveKey(parseSecretKey(key), 'jwt'), () => new Date()).issue('admin', adminVersion)).access_token;
    expect((await call(server, 'GET', '/api/v1/users', { token: await forge(key) })).status).toBe(200); // what the key would give away
    for (const candidate of logs.match(/[A-Za-z0-9+/]{43}=/g) ?? []) {
      expect((await call(server, 'GET', '/api/v1/users', { token: await forge(candidate) })).status).toBe(401);
    }
    expect((await call(server, 'GET', '/api/v1/users', { token: op })).status).toBe(403);

    // The state folder is private to the platform's user.
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'dynamodb')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
  }, 120_000);

  /**
   * A probe that knows where the state is (it guessed the path) and reads the platform's own
   * environment through /proc: with the same OS user nothing but file modes stands in its way, so
   * the platform can run tasks as another user (SKYDAG_TASK_USER, when it runs as root).
   */
  const worstCaseDag = (stateFolder: string) => `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

PROBE = """
echo "whoami=[$(id -un)]"
echo "key=[$(cat ${stateFolder}/secret.key 2>&1)]"
echo "state=[$(ls ${stateFolder} 2>&1)]"
echo "store=[$(ls ${stateFolder}/dynamodb 2>&1)]"
echo "environ=[$(cat /proc/$PPID/environ 2>&1)]"
echo "mem=[$(head -c 64 /proc/$PPID/mem 2>&1)]"
"""


def whoami():
    import getpass
    import os
    print("py-whoami=[%s] home=[%s]" % (getpass.getuser(), os.environ.get("HOME")))


with DAG("worst_case", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="probe", bash_command=PROBE)
    PythonOperator(task_id="py", python_callable=whoami)
`;

  const asRoot = process.getuid?.() === 0 && spawnSync('getent', ['passwd', 'nobody']).status === 0 && existsSync('/usr/bin/python3');
  if (!asRoot) console.warn('SKYDAG_TASK_USER probe skipped: it needs root, a user "nobody" and /usr/bin/python3');
  (asRoot ? it : it.skip)('with SKYDAG_TASK_USER, even a task that knows where the state is cannot read it or the platform environment', async () => {
    await platform?.stop();
    const folder = mkdtempSync(join(tmpdir(), 'skydag-iso-user-'));
    chmodSync(folder, 0o755); // the task user reads the DAGs folder; the state folder stays private
    const state = join(folder, '.skydag');
    const dagFolder = join(folder, 'dags');
    mkdirSync(dagFolder);
    try {
      platform = await startPlatformProcess({ dags: dagFolder, home: state, env: { SKYDAG_ADMIN_PASSWORD: ADMIN_PASSWORD, SKYDAG_TASK_USER: 'nobody', SKYDAG_PYTHON: '/usr/bin/python3' } });
      expect(platform.output()).toContain("tasks run as user 'nobody'");
      const admin = await login(platform, 'admin', ADMIN_PASSWORD);
      expect((await call(platform, 'POST', '/api/v1/dagFiles', { token: admin, body: { filename: 'worst_case.py', content: worstCaseDag(state) } })).status).toBeLessThan(300);
      expect((await call(platform, 'POST', '/api/v1/dags/worst_case/dagRuns', { token: admin, body: { dag_run_id: 'probe' } })).status).toBe(200);
      expect((await waitForRunEnd(platform, admin, 'worst_case', 'probe')).state).toBe('success');
      const log = (await call(platform, 'GET', '/api/v1/dags/worst_case/dagRuns/probe/taskInstances/probe/logs/1', { token: admin })).json.content as string;
      const pyLog = (await call(platform, 'GET', '/api/v1/dags/worst_case/dagRuns/probe/taskInstances/py/logs/1', { token: admin })).json.content as string;
      expect(log).toContain('whoami=[nobody]');
      expect(pyLog).toContain('py-whoami=[nobody] home=[/nonexistent]');
      expect(log).not.toContain(readFileSync(join(state, 'secret.key'), 'utf8').trim());
      expect(log).not.toContain(ADMIN_PASSWORD);
      for (const probe of ['key', 'state', 'store', 'environ', 'mem']) expect(log).toMatch(new RegExp(`${probe}=\\[[^\\]]*Permission denied`));
    } finally {
      await platform?.stop();
      platform = undefined;
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
