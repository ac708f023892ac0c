/**
 * Starting task processes without blocking the event loop. `child_process.spawn` forks the calling
 * process synchronously, and forking a process of several hundred MB (a platform, or `dags test` of
 * a large DAG) took ~10 ms per task (40 ms on a loaded machine) with every other task and handler
 * waiting. A long-lived spawner — a small process started once — starts them instead; the caller gets
 * the child's pid, output and exit over a pipe. Process groups, credentials, environment and working
 * directory are exactly those asked for, and the caller still signals the group itself by pid.
 *
 * Where python3 is, the spawner is a Python program that starts processes as Airflow's SubprocessHook
 * does (`subprocess.Popen`: vfork + exec, `close_fds`, `stderr=STDOUT` on one pipe,
 * `start_new_session`): a `bash -c true` round trip costs ~2.2 ms there against ~3.0 ms through a fork
 * of the Node spawner. Otherwise the spawner is a Node program; on Linux it too gives exactly Airflow's
 * stdio: it closes, once at its start, the descriptors it inherited without close-on-exec (leaked to the
 * platform by whatever started it; Node's own are close-on-exec), and with `mergeStderr` hands the
 * process one socket as both stdout and stderr. Either way a command runs as itself (`bash -c
 * <command>`) where elsewhere a first shell has to set that up (bash.ts): one process per task less.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeProcessRecord } from './process-group.js';
import { defaultPython, findExecutable } from './task-environment.js';
import type { ProcessRecord } from './types.js';

/** What a task executor needs of a started process (a subset of Node's ChildProcess). */
export interface SpawnedProcess {
  /** Set once the process started (the 'spawn' event); undefined if it could not start. */
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream & { destroy(): void };
  once(event: 'spawn', listener: () => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  once(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  /** True once 'close' came from a spawner that removed the process's record itself (its owner need not). */
  readonly recordForgotten?: boolean;
}

/** The options a spawner honours: stdout is a pipe, stdin and stderr are ignored. */
export interface SpawnProcessOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'detached' | 'uid' | 'gid'> {
  /** stderr is the stdout descriptor itself (`2>&1`: one stream, in the order written). Only where the spawn has `exactStdio`. */
  mergeStderr?: boolean;
  /**
   * The process's record for orphan recovery, written (writeProcessRecord's steps) as soon as the pid
   * is known, before 'spawn' is emitted: whoever learns the process started can rely on it. A record
   * that cannot be written does not stop the process. The Python spawner also removes it once the
   * process closed, before 'close' (it renames a spare file of the folder to a record and back: no file
   * is made or removed per process), so a process that ended at once may have none left by then.
   */
  record?: ProcessRecord;
  /**
   * Instead of `cwd`: a fresh directory made for the process (`<parent>/<prefix>XXXXXX`, owned by
   * `owner` when given), removed with whatever it holds once the process has closed, before 'close'
   * — Airflow's `TemporaryDirectory(prefix='airflowtmp')` around its Popen. Only where the spawn has `tempCwd`.
   * The Python spawner keeps directories ready (spares): one a process left as it was given (nothing
   * made in it, same mode, no process of its session left, `detached` only) becomes the next one under a new name
   * instead of being removed, and other spares are made while a process runs, not between a request
   * and its process. Either way each process has a directory of its own name, empty when it starts.
   */
  tempCwd?: TempCwd;
}

/** A temporary working directory the spawner makes for a process and removes after it. */
export interface TempCwd {
  parent: string;
  prefix: string;
  owner?: { uid: number; gid: number };
}

/** Starts a process; its events are emitted asynchronously, so listeners attached right after the call see all of them. */
export type SpawnProcess = ((file: string, args: readonly string[], options: SpawnProcessOptions) => SpawnedProcess) & {
  /** The processes it starts inherit no descriptor above stderr, and it honours `mergeStderr`. */
  readonly exactStdio?: boolean;
  /** It makes and removes a process's working directory itself (`tempCwd`). */
  readonly tempCwd?: boolean;
};

/** Node's spawn, in this process. */
export const spawnDirect: SpawnProcess = (file, args, options) => {
  const { mergeStderr, record, tempCwd, ...spawnOptions } = options;
  if (mergeStderr) throw new Error('spawnDirect cannot merge stderr into stdout');
  if (tempCwd) throw new Error('spawnDirect makes no working directory');
  const child = spawn(file, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'ignore'] }) as ChildProcess & SpawnedProcess;
  if (record && child.pid !== undefined) {
    try {
      writeProcessRecord(record, child.pid);
    } catch {
      // not recorded: orphan recovery cannot name it, the task runs as it would have
    }
  }
  return child;
};

/** The spawner process's program (plain JavaScript: it starts in ~40 ms and stays small). */
const SPAWNER_PROGRAM = `
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
// A callback, so a send that fails because the parent just went away (EPIPE) is dropped, not an uncaught error.
const send = (message) => { if (process.connected) process.send(message, () => undefined); };

// Descriptors inherited without close-on-exec would reach every task (Airflow's Popen closes them):
// close them now. Everything Node opens is close-on-exec, and the IPC channel is kept in any case.
const O_CLOEXEC = 0o2000000;
const channel = Number(process.env.NODE_CHANNEL_FD);
for (const name of process.platform === 'linux' ? readdirSync('/proc/self/fd') : []) {
  const fd = Number(name);
  if (!(fd > 2) || fd === channel) continue;
  try {
    const flags = /^flags:\\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'));
    if (flags && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) closeSync(fd);
  } catch {} // the listing's own descriptor, gone by now
}

// Connected socket pairs for merged stdout+stderr, from a listener in the abstract namespace (no file).
// Pairs are made one at a time; the connecting side proves itself with a fresh token (an abstract
// socket has no permissions: another local process could connect, but not with the token).
let listening;
let expected; // { token, resolve } of the pair being made
const listener = () => listening ??= new Promise((resolve, reject) => {
  const server = createServer((peer) => {
    let got = Buffer.alloc(0);
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 16) return;
      peer.off('data', onData);
      peer.pause();
      const pending = expected;
      if (pending && got.length === 16 && timingSafeEqual(got, pending.token)) {
        expected = undefined;
        pending.resolve(peer);
      } else peer.destroy();
    };
    peer.on('data', onData);
    peer.on('error', () => undefined);
  });
  const address = '\\0skydag-spawner-' + process.pid + '-' + randomBytes(8).toString('hex');
  server.once('error', reject);
  server.listen(address, () => { server.unref(); resolve(address); });
});
let pairs = Promise.resolve();
const makePair = () => {
  const made = pairs.then(async () => {
    const address = await listener();
    const token = randomBytes(16);
    const client = connect(address);
    const peer = new Promise((resolve, reject) => {
      expected = { token, resolve };
      client.once('error', reject);
      client.write(token);
    });
    try {
      return [client, await peer];
    } catch (error) {
      expected = undefined;
      client.destroy();
      throw error;
    }
  });
  pairs = made.then(() => undefined, () => undefined);
  return made;
};
// One pair is kept made ahead, so a process does not wait for its own (a few turns of the event loop).
let ready;
const socketPair = () => {
  const next = ready ?? makePair();
  const ahead = makePair();
  ready = ahead;
  ahead.catch(() => { if (ready === ahead) ready = undefined; });
  return next;
};

// writeProcessRecord (process-group.ts): the record is whole before the process is reported.
function writeRecord(record, pid) {
  let ticks = null;
  try {
    const stat = readFileSync('/proc/' + pid + '/stat', 'utf8');
    ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {}
  const file = record.dir + '/' + pid + '.json';
  const text = JSON.stringify({ ...record.fields, pid, start_ticks: Number.isFinite(ticks) ? ticks : null });
  try {
    try {
      writeFileSync(file + '.tmp', text, { mode: 0o600 });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      mkdirSync(record.dir, { recursive: true, mode: 0o700 });
      writeFileSync(file + '.tmp', text, { mode: 0o600 });
    }
    renameSync(file + '.tmp', file);
  } catch {} // not recorded: the process runs all the same
}

// A fresh working directory (TempCwd in spawner.ts), and its removal once the process closed.
const removeDir = (dir) => { try { rmSync(dir, { recursive: true, force: true }); } catch {} };
function makeTempCwd(tempCwd) {
  const dir = mkdtempSync(tempCwd.parent + '/' + tempCwd.prefix);
  try {
    if (tempCwd.owner) chownSync(dir, tempCwd.owner.uid, tempCwd.owner.gid);
  } catch (error) {
    removeDir(dir); // as the Python spawner: a folder the task user cannot own is not left behind
    throw error;
  }
  return dir;
}

function start(id, file, args, options, stdio, output) {
  const { record, tempCwd, ...spawnOptions } = options;
  let child;
  let dir;
  try {
    if (tempCwd) spawnOptions.cwd = dir = makeTempCwd(tempCwd);
    child = spawn(file, args, { ...spawnOptions, stdio });
  } catch (error) {
    if (dir) removeDir(dir);
    send({ id, type: 'error', message: dir || !tempCwd ? error.message : "cannot make the process's working directory: " + error.message, code: error.code });
    return undefined;
  }
  if (record && child.pid !== undefined) writeRecord(record, child.pid);
  const out = output(child);
  child.once('spawn', () => send({ id, type: 'spawn', pid: child.pid }));
  child.once('error', (error) => { out.destroy(); if (dir) removeDir(dir); send({ id, type: 'error', message: error.message, code: error.code }); });
  out.on('data', (chunk) => send({ id, type: 'data', chunk }));
  // 'close' as Node's: after the exit and the end of the output (descendants may hold it open longer).
  const ended = new Promise((resolve) => out.once('close', resolve));
  child.once('exit', (code, signal) => {
    send({ id, type: 'exit', code, signal });
    ended.then(() => { if (dir) removeDir(dir); send({ id, type: 'close', code, signal }); });
  });
  out.resume();
  return child;
}

process.on('message', ({ id, file, args, options }) => {
  const { mergeStderr, ...spawnOptions } = options;
  if (!mergeStderr) {
    start(id, file, args, spawnOptions, ['ignore', 'pipe', 'ignore'], (child) => child.stdout);
    return;
  }
  socketPair().then(
    ([client, peer]) => {
      // One socket as fd 1 and 2; this process's copy is closed at once, so the output ends when the process and its descendants close theirs.
      const child = start(id, file, args, spawnOptions, ['ignore', client, client], () => peer);
      client.destroy();
      if (!child) peer.destroy();
    },
    (error) => send({ id, type: 'error', message: 'no output channel for the process: ' + error.message, code: error.code }),
  );
});
// Its parent is gone: nothing can read the output any more.
process.on('disconnect', () => process.exit(0));
`;

/**
 * The spawner in Python, where python3 is at hand: it starts a process as Airflow's SubprocessHook does
 * (`subprocess.Popen`: vfork + exec, `close_fds`, `stderr=STDOUT` on one pipe, `start_new_session`),
 * which costs ~0.5 ms less per process than a fork of the Node spawner. Requests: JSON lines on stdin;
 * replies: frames on stdout, a 9-byte header (kind, id, payload length) and the payload (JSON, or the
 * output's bytes). A first frame says it is ready; one that never says so is not used again.
 */
const PYTHON_SPAWNER_PROGRAM = `
import errno, json, os, selectors, signal, stat, struct, subprocess, sys
READY, SPAWN, DATA, EXIT, CLOSE, ERROR = 0, 1, 2, 3, 4, 5
out = sys.stdout.buffer
sel = selectors.DefaultSelector()
running = {}
parent_gone = False
# One /dev/null for every process's stdin (and stderr when not merged): Popen opened and closed one per process.
devnull = os.open(os.devnull, os.O_RDWR)
outgoing = []
def send(kind, ident, payload=b''):
    # Frames wait for the end of the loop's turn, then go in one write (a process's exit and close, a
    # start and its output): the parent wakes once for them.
    if not parent_gone:
        outgoing.append(struct.pack('>BII', kind, ident, len(payload)) + payload)
def flush():
    # Once the parent is gone nothing is sent, but the requests it wrote before are still started
    # (and recorded): the loop ends at the end of stdin.
    global parent_gone
    if outgoing and not parent_gone:
        try:
            out.write(b''.join(outgoing))
            out.flush()
        except OSError:
            parent_gone = True
    del outgoing[:]
def send_json(kind, ident, value):
    send(kind, ident, json.dumps(value).encode())
def status_of(code):
    if code >= 0:
        return {'code': code, 'signal': None}
    try:
        return {'code': None, 'signal': signal.Signals(-code).name}
    except ValueError:
        return {'code': None, 'signal': 'SIGKILL'}
def remove_dir(path):
    try:
        os.rmdir(path)
    except OSError:
        import shutil
        shutil.rmtree(path, ignore_errors=True)
def temp_name(temp):
    return os.path.join(temp['parent'], temp['prefix'] + os.urandom(6).hex())
def make_temp_cwd(temp):
    # tempfile.mkdtemp's steps (its import costs more than this): a random name, made 0700, retried if taken.
    for _ in range(100):
        path = temp_name(temp)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        if temp.get('owner'):
            try:
                os.chown(path, temp['owner']['uid'], temp['owner']['gid'])
            except OSError:
                os.rmdir(path)
                raise
        return path
    raise FileExistsError(errno.EEXIST, 'no unused name', temp['parent'])
# Directories for processes are kept ready by parent, prefix and owner (spares), used only while they
# are still empty. Making one costs ~0.4 ms of kernel time on a filesystem with much churn (ext4 looks
# past recently freed inodes), renaming one ~0.02 ms. So the directory a process ran in becomes a spare
# under a new random name (recycle_temp_cwd) when the process left it as it was given: the same inode,
# owner and mode, unchanged since (its change time: nothing was made or removed in it), and no process
# of the session it led still running (one that could write into it later).
# Any other is removed, as Airflow's TemporaryDirectory removes it, and a spare made instead while the
# next process runs (a chore), not between a request and its process. The spawner removes its spares
# when it exits or is stopped (a killed one leaves empty directories, as a killed Airflow task leaves
# its own).
MAX_TEMP_SPARES = 64
spares = {}  # key: [path]
in_use = {}  # key: how many running processes have a directory of it (each may come back as a spare)
wanted = {}  # the spares to make (a chore each), by the same key
def temp_key(temp):
    owner = temp.get('owner') or {}
    return (temp['parent'], temp['prefix'], owner.get('uid'), owner.get('gid'))
def take_temp_cwd(temp):
    # (key, path, identity): identity is what recycle_temp_cwd compares (identity_of).
    key = temp_key(temp)
    kept = spares.get(key)
    while kept:
        path = kept.pop()
        try:
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode):
                if not os.listdir(path):
                    return key, path, identity_of(info)
                remove_dir(path)  # something was put in it meanwhile: not a fresh one
        except OSError:
            pass  # removed meanwhile (a cleaner of old temporary files): another, or a new one
    path = make_temp_cwd(temp)
    try:
        identity = identity_of(os.lstat(path))
    except OSError:
        identity = None
    return key, path, identity
def identity_of(info):
    # The change time too: any entry made or removed in it, a new mode, owner or ACL changes it.
    return (info.st_dev, info.st_ino, info.st_uid, info.st_gid, info.st_mode, info.st_ctime_ns)
def left_as_given(entry):
    # Whether a closed process left its directory as it was handed out, with nothing of it still running.
    if not entry['own_session'] or entry['identity'] is None:
        return False  # not a session of its own (or its identity unknown): nothing to tell it by
    try:
        os.killpg(entry['p'].pid, 0)
        return False  # a process of its session still runs: it could write into the directory later
    except ProcessLookupError:
        pass
    except OSError:
        return False  # EPERM: a process of another user is in it
    try:
        return identity_of(os.lstat(entry['dir'])) == entry['identity'] and not os.listdir(entry['dir'])
    except OSError:
        return False
def recycle_temp_cwd(entry):
    temp, path = entry['temp'], entry['dir']
    key = temp_key(temp)
    in_use[key] -= 1
    kept = spares.setdefault(key, [])
    if len(kept) < MAX_TEMP_SPARES and left_as_given(entry):
        spare = temp_name(temp)
        # rename() would replace an empty directory of that name: a name not taken (48 random bits).
        try:
            if not os.path.lexists(spare):
                os.rename(path, spare)
                kept.append(spare)
                return
        except OSError:
            pass
    remove_dir(path)
    wanted.setdefault(key, temp)
def make_spare():
    key, temp = wanted.popitem()
    # None while one of its directories may come back from a running process.
    if not spares.get(key) and not in_use.get(key):
        try:
            spares.setdefault(key, []).append(make_temp_cwd(temp))
        except OSError:
            pass  # made when a process needs it, which then says why it cannot be
def remove_spares():
    for paths in spares.values():
        for path in paths:
            remove_dir(path)
    spares.clear()
    for paths in record_spares.values():
        for path in paths:
            remove_file(path)
    record_spares.clear()
def settle(ident):
    entry = running.get(ident)
    if entry and entry['ended'] and entry['status'] is not None:
        if entry['dir']:
            recycle_temp_cwd(entry)
        status = entry['status']
        if entry['record']:
            forget_record(*entry['record'])
            status = dict(status, forgotten=True)
        send_json(CLOSE, ident, status)
        del running[ident]
# A record folder's spare files: a record is written into one and renamed to '<pid>.json', and a
# forgotten record is renamed back to be a spare (as many as processes ran at once, up to
# MAX_RECORD_SPARES). Making and removing a file per process cost ~0.8 ms of kernel time on a filesystem
# with much churn (ext4 looks past recently freed inodes); writing over a spare and renaming it, ~0.02 ms.
# Their names are no record's ('.spare-<spawner pid>-…'), and the spawner removes them when it exits
# (orphan recovery removes those of a spawner that was killed).
MAX_RECORD_SPARES = 64
record_spares = {}
def write_record(record, pid):
    # writeProcessRecord (process-group.ts): the record is whole before the process is reported, and
    # returned (its path and folder) to be forgotten when the process closed. Plain descriptors (open,
    # read or write, close): a Python file object adds four system calls each.
    ticks = None
    try:
        fd = os.open('/proc/%d/stat' % pid, os.O_RDONLY)
        try:
            ticks = int(os.read(fd, 4096).decode('utf-8', 'replace').rsplit(')', 1)[1].split()[19])
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        pass
    folder = record['dir']
    path = os.path.join(folder, '%d.json' % pid)
    data = json.dumps(dict(record['fields'], pid=pid, start_ticks=ticks), separators=(',', ':')).encode()
    spare = record_spares[folder].pop() if record_spares.get(folder) else None
    if spare is not None:
        try:
            fd = os.open(spare, os.O_WRONLY)
            try:
                # Over the old bytes, then cut to length: its data block is kept (O_TRUNC would free it, and the write take another).
                done = 0
                while done < len(data):
                    done += os.pwrite(fd, data[done:], done)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)
            os.replace(spare, path)
            return (path, folder)
        except OSError:
            remove_file(spare)  # gone or unusable: a new file, as without one
    try:
        try:
            fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except FileNotFoundError:
            os.makedirs(folder, 0o700, exist_ok=True)
            fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)
        os.replace(path + '.tmp', path)
        return (path, folder)
    except OSError:
        return None  # not recorded: the process runs all the same
def forget_record(path, folder):
    # The process closed: its record goes (its owner's own removal then finds nothing), kept as a spare.
    kept = record_spares.setdefault(folder, [])
    if len(kept) < MAX_RECORD_SPARES:
        spare = os.path.join(folder, '.spare-%d-%s' % (os.getpid(), os.urandom(4).hex()))
        try:
            os.replace(path, spare)
            kept.append(spare)
            return
        except OSError:
            pass
    remove_file(path)
def remove_file(path):
    try:
        os.unlink(path)
    except OSError:
        pass
def start(request):
    ident = request['id']
    opts = request.get('options') or {}
    extra = {}
    if opts.get('uid') is not None:
        extra['user'] = opts['uid']
        extra['extra_groups'] = []
    if opts.get('gid') is not None:
        extra['group'] = opts['gid']
    cwd = opts.get('cwd')
    made = None
    temp = opts.get('tempCwd')
    if temp:
        try:
            key, cwd, identity = take_temp_cwd(temp)
            made = cwd
        except OSError as error:
            name = errno.errorcode.get(error.errno or 0, 'EUNKNOWN')
            send_json(ERROR, ident, {'message': "cannot make the process's working directory: %s %s" % (name, error), 'code': name})
            return
    try:
        p = subprocess.Popen([request['file']] + list(request['args']), stdin=devnull, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if opts.get('mergeStderr') else devnull, cwd=cwd, env=opts.get('env'),
            start_new_session=bool(opts.get('detached')), close_fds=True, **extra)
    except OSError as error:
        if made:
            remove_dir(made)
        name = errno.errorcode.get(error.errno or 0, 'EUNKNOWN')
        send_json(ERROR, ident, {'message': 'spawn %s %s' % (request['file'], name), 'code': name})
        return
    except Exception as error:
        if made:
            remove_dir(made)
        send_json(ERROR, ident, {'message': 'spawn %s: %s' % (request['file'], error)})
        return
    recorded = write_record(opts['record'], p.pid) if opts.get('record') else None
    os.set_blocking(p.stdout.fileno(), False)
    entry = running[ident] = {'p': p, 'ended': False, 'status': None, 'dir': made, 'record': recorded}
    if made:
        in_use[key] = in_use.get(key, 0) + 1
        entry.update(temp=temp, identity=identity, own_session=bool(opts.get('detached')))
    sel.register(p.stdout, selectors.EVENT_READ, ('out', ident))
    send_json(SPAWN, ident, {'pid': p.pid})
def reap():
    for ident, entry in list(running.items()):
        if entry['status'] is None:
            code = entry['p'].poll()
            if code is not None:
                entry['status'] = status_of(code)
                send_json(EXIT, ident, entry['status'])
                settle(ident)
wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
# Ctrl-C in a terminal reaches the whole foreground group, this process too: its parent decides (it
# ends when its parent closes stdin). A handler, not SIG_IGN, which the processes it starts would inherit.
signal.signal(signal.SIGINT, lambda *_: None)
def terminated(*_):
    # Stopped (SIGTERM): its spares go first, then it ends as the signal's default would have it.
    remove_spares()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
signal.signal(signal.SIGTERM, terminated)
stdin = sys.stdin.fileno()
os.set_blocking(stdin, False)
sel.register(wake_r, selectors.EVENT_READ, ('wake', 0))
sel.register(stdin, selectors.EVENT_READ, ('in', 0))
NEWLINE = bytes([10])
pending = b''
send(READY, 0)
while True:
    flush()
    # Chores wait while anything else does (a request, an exit, output).
    events = sel.select(0 if wanted else None)
    if not events:
        make_spare()
        continue
    for key, _ in events:
        what, ident = key.data
        if what == 'in':
            try:
                chunk = os.read(stdin, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                flush()
                remove_spares()
                os._exit(0)
            pending += chunk
            *lines, pending = pending.split(NEWLINE)
            for line in lines:
                if line:
                    start(json.loads(line))
        elif what == 'wake':
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            reap()
        else:
            entry = running[ident]
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if chunk:
                send(DATA, ident, chunk)
            else:
                sel.unregister(key.fileobj)
                entry['p'].stdout.close()
                entry['ended'] = True
                settle(ident)
                reap()
`;

type SpawnerMessage =
  | { id: number; type: 'spawn'; pid: number }
  | { id: number; type: 'error'; message: string; code?: string }
  | { id: number; type: 'data'; chunk: Uint8Array }
  | { id: number; type: 'exit' | 'close'; code: number | null; signal: NodeJS.Signals | null; forgotten?: boolean };

class RemoteProcess extends EventEmitter implements SpawnedProcess {
  pid: number | undefined;
  recordForgotten = false;
  readonly stdout = new PassThrough();

  receive(message: SpawnerMessage): void {
    switch (message.type) {
      case 'spawn':
        this.pid = message.pid;
        this.emit('spawn');
        return;
      case 'error':
        this.emit('error', Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
        return;
      case 'data':
        if (!this.stdout.destroyed) this.stdout.write(Buffer.from(message.chunk));
        return;
      case 'exit':
        this.emit('exit', message.code, message.signal);
        return;
      case 'close': {
        this.recordForgotten = message.forgotten === true;
        // As Node's 'close': after the output stream ended, so every chunk was read before it.
        const close = () => this.emit('close', message.code, message.signal);
        if (this.stdout.destroyed) close();
        else {
          this.stdout.once('close', close);
          this.stdout.end();
        }
        return;
      }
    }
  }
}

/** Where the Node spawner can close its inherited descriptors (it reads their flags in /proc) and merge stderr. */
const EXACT_STDIO = process.platform === 'linux' && existsSync('/proc/self/fdinfo');

/** What is sent to a spawner for one process. */
interface SpawnRequest {
  id: number;
  file: string;
  args: readonly string[];
  options: SpawnProcessOptions;
}

/** A running spawner process, whichever its language: requests out, messages back. */
interface SpawnerLink {
  readonly pid: number | undefined;
  readonly connected: boolean;
  send(request: SpawnRequest, failed: (error: Error) => void): void;
  /** Whether it keeps the parent alive. */
  ref(): void;
  unref(): void;
  /** Asks it to exit (the processes it started keep running in their own groups). */
  stop(): void;
}

/** The Node spawner: IPC with Node's advanced serialization (output chunks travel as bytes). */
function nodeSpawner(receive: (message: SpawnerMessage) => void, exited: () => void): SpawnerLink {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', SPAWNER_PROGRAM], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { PATH: process.env.PATH ?? '' },
  });
  child.on('message', receive);
  child.once('exit', exited);
  const channel = () => child.channel as { ref?(): void; unref?(): void } | undefined;
  return {
    get pid() {
      return child.pid;
    },
    get connected() {
      return child.connected;
    },
    send: (request, failed) => {
      child.send(request, (error) => error && failed(error));
    },
    ref: () => {
      child.ref();
      channel()?.ref?.();
    },
    unref: () => {
      child.unref();
      channel()?.unref?.();
    },
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}

const FRAME_KINDS = ['ready', 'spawn', 'data', 'exit', 'close', 'error'] as const;

/** The Python spawner: JSON lines to its stdin, frames from its stdout (see PYTHON_SPAWNER_PROGRAM). */
function pythonSpawner(python: string, receive: (message: SpawnerMessage) => void, exited: (wasReady: boolean) => void): SpawnerLink {
  const child = spawn(python, ['-I', '-S', '-c', PYTHON_SPAWNER_PROGRAM], { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } });
  let open = true;
  let isReady = false;
  let buffered: Buffer = Buffer.alloc(0);
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 9) {
      const length = buffered.readUInt32BE(5);
      if (buffered.length < 9 + length) break;
      const kind = FRAME_KINDS[buffered.readUInt8(0)];
      const id = buffered.readUInt32BE(1);
      const payload = buffered.subarray(9, 9 + length);
      buffered = buffered.subarray(9 + length);
      if (kind === 'ready') isReady = true;
      else if (kind === 'data') receive({ id, type: 'data', chunk: payload });
      else if (kind) receive({ id, type: kind, ...(JSON.parse(payload.toString('utf8')) as object) } as SpawnerMessage);
    }
  });
  child.stdin!.on('error', () => undefined); // it exited: told by 'exit'
  // 'error' alone when the interpreter could not start at all.
  let done = false;
  const ended = () => {
    if (done) return;
    done = true;
    open = false;
    exited(isReady);
  };
  child.once('error', ended);
  child.once('exit', ended);
  const streams = [child.stdin, child.stdout] as unknown as { ref(): void; unref(): void }[];
  return {
    get pid() {
      return child.pid;
    },
    get connected() {
      return open && child.stdin!.writable;
    },
    send: (request, failed) => {
      // Before it is ready a failed write is its end: the exit hands the request on.
      child.stdin!.write(`${JSON.stringify(request)}\n`, (error) => error && isReady && failed(error));
    },
    ref: () => {
      child.ref();
      for (const stream of streams) stream.ref();
    },
    unref: () => {
      child.unref();
      for (const stream of streams) stream.unref();
    },
    stop: () => {
      open = false;
      child.stdin!.end();
    },
  };
}

/** Whether a file is a script (`#!`): a version manager's shim rather than an interpreter. */
function isScript(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The interpreter the Python spawner runs on, given the tasks' one. Version managers (pyenv, asdf) put
 * shell-script shims first on PATH that choose the version at every start: pyenv's runs ~40 processes,
 * 50–80 ms of CPU at every command that runs a task, where Python itself starts in ~7 ms. The spawner
 * needs only Python 3.9 or later and its standard library (it runs with -I -S; tasks still run on the
 * tasks' interpreter), so a shim is passed over for the first python3 on PATH that is not a script and
 * is 3.9 or later by its file's name (python3.N); with none, the shim it is.
 */
export function spawnerInterpreter(python: string, envPath = process.env.PATH ?? ''): string {
  if (!isScript(python)) return python;
  for (const dir of envPath.split(delimiter)) {
    const candidate = isAbsolute(dir) ? findExecutable(join(dir, 'python3')) : undefined; // not '' or '.': the shim's own lookup
    if (!candidate || isScript(candidate)) continue;
    try {
      const minor = /^python3\.(\d+)$/.exec(basename(realpathSync(candidate)))?.[1];
      if (minor !== undefined && Number(minor) >= 9) return candidate;
    } catch {
      // a dangling link: not this one
    }
  }
  return python;
}

export interface ProcessSpawnerOptions {
  /** How long the spawner process stays once nothing it started is running (default 2000 ms). */
  idleMs?: number;
  /**
   * The Python interpreter of the Python spawner (default: the tasks' interpreter, `SKYDAG_PYTHON` else
   * `python3`, found on PATH, or instead of a version manager's shim a python3 binary: spawnerInterpreter;
   * 3.9 or later is needed for a task user); null for the Node spawner only. One that does not start is not tried again.
   */
  python?: string | null;
}

/**
 * One spawner process, started on first use and kept while processes it started are running (it does
 * not keep the parent alive otherwise), then for `idleMs` more: an idle one exits, so a long-lived
 * parent (a jest worker, a platform between runs) does not hold it, and the next spawn starts a new
 * one (~40 ms). If it dies, the next spawn starts a new one; the processes of the dead one end as
 * failed to start or with a lost exit (code null). A Python spawner that dies before it is ready hands
 * its requests to a Node spawner.
 */
export class ProcessSpawner {
  private spawner: SpawnerLink | undefined;
  /** Processes not closed yet, with the spawner that started them (an exiting idle spawner fails only its own). */
  private readonly inFlight = new Map<number, { child: RemoteProcess; spawner: SpawnerLink; request: SpawnRequest }>();
  private nextId = 0;
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;
  private python: string | undefined;

  constructor(options: ProcessSpawnerOptions = {}) {
    this.idleMs = options.idleMs ?? 2000;
    if (options.python !== undefined) this.python = options.python ?? undefined;
    else {
      const tasksPython = findExecutable(defaultPython());
      this.python = tasksPython && spawnerInterpreter(tasksPython);
    }
  }

  /** The spawner process's pid while it runs. */
  get pid(): number | undefined {
    return this.spawner?.connected ? this.spawner.pid : undefined;
  }

  /** Which spawner runs the processes: 'python' or 'node'. */
  get kind(): 'python' | 'node' {
    return this.python ? 'python' : 'node';
  }

  readonly spawn: SpawnProcess = Object.defineProperties((file: string, args: readonly string[], options: SpawnProcessOptions) => this.start(file, args, options), {
    exactStdio: { get: () => this.python !== undefined || EXACT_STDIO },
    tempCwd: { value: true },
  });

  private start(file: string, args: readonly string[], options: SpawnProcessOptions): SpawnedProcess {
    const { cwd, env, detached, uid, gid, mergeStderr, record, tempCwd } = options;
    if (mergeStderr && !this.spawn.exactStdio) throw new Error("this platform's spawner cannot merge stderr into stdout");
    const child = new RemoteProcess();
    const id = ++this.nextId;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    child.once('close', () => this.settled(id));
    child.once('error', () => this.settled(id));
    this.dispatch({ id, file, args, options: { cwd, env, detached, uid, gid, mergeStderr, record, tempCwd } }, child);
    return child;
  }

  private dispatch(request: SpawnRequest, child: RemoteProcess): void {
    const spawner = this.ensureSpawner();
    this.inFlight.set(request.id, { child, spawner, request });
    spawner.ref();
    spawner.send(request, (error) => child.receive({ id: request.id, type: 'error', message: `the process spawner is gone: ${error.message}` }));
  }

  /** Stops the spawner (processes it started keep running in their own groups, as with a direct spawn). */
  close(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.spawner?.stop();
    this.spawner = undefined;
  }

  /**
   * Starts the spawner ahead of the first spawn, which then does not wait for it (a start, ~0.1 s:
   * a good part of a short `dags test`). Like an idle one, it does not keep the parent alive and exits
   * after `idleMs` without a spawn.
   */
  prewarm(): void {
    if (this.spawner?.connected) return;
    this.ensureSpawner();
    if (this.inFlight.size === 0) this.idle();
  }

  private settled(id: number): void {
    this.inFlight.delete(id);
    if (this.inFlight.size === 0) this.idle();
  }

  private idle(): void {
    if (this.spawner) {
      this.spawner.unref();
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.inFlight.size === 0) this.close();
      }, this.idleMs);
      this.idleTimer.unref();
    }
  }

  private ensureSpawner(): SpawnerLink {
    if (this.spawner?.connected) return this.spawner;
    const receive = (message: SpawnerMessage) => this.inFlight.get(message.id)?.child.receive(message);
    const spawner: SpawnerLink = this.python ? pythonSpawner(this.python, receive, (ready) => this.exited(spawner, ready)) : nodeSpawner(receive, () => this.exited(spawner, true));
    this.spawner = spawner;
    return spawner;
  }

  /** A spawner ended: what it started ends too, unless it never was ready (then its requests go to a Node spawner). */
  private exited(spawner: SpawnerLink, wasReady: boolean): void {
    if (this.spawner === spawner) this.spawner = undefined;
    const mine = [...this.inFlight].filter(([, entry]) => entry.spawner === spawner);
    if (!wasReady) {
      // This interpreter cannot run the spawner: its requests (none started) go to a Node spawner.
      this.python = undefined;
      for (const [, { child, request }] of mine) this.dispatch(request, child);
      return;
    }
    // Only what this spawner started: after an idle exit, the next spawn already went to a new one.
    for (const [id, { child }] of mine) {
      child.receive(child.pid === undefined ? { id, type: 'error', message: 'the process spawner exited' } : { id, type: 'close', code: null, signal: null });
    }
  }

}
