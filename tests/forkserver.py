"""`python -m MODULE ARGS` / `python SCRIPT ARGS` for the tests, each run in a child forked from a server that has
imported TensorFlow once.

A fresh interpreter spends ~4.5 CPU-s importing TensorFlow before a command-line test reaches its first line, and
the suite starts ~45 of them (2-core AVX2 EPYC). `run` is `subprocess.run(argv, capture_output=True, text=True)`
for such commands: a server process (one per test process and environment) imports `tfgan_mh` (its oneDNN choice
comes first, as in every entry point) and the third-party libraries, then forks a child per command; the child
takes the command's working directory, environment, argv and sys.path[0], its stdout / stderr go to files, and it
runs the module or script as `__main__` with the exit code, atexit handlers and output of a fresh process. Before
the fork only the package root of tfgan_mh (and its `cpu` module) is loaded.

What it cannot serve runs as a real subprocess: everything off Linux, `-c` code and a command other than this
Python. An environment that differs in what is read when TensorFlow is imported (TF_*, CUDA*, XLA*, OMP/MKL/KMP
threads, PYTHON*) gets a server of its own. Tests of signals, worker processes or the console scripts themselves start
their processes with `subprocess` directly.
"""

import atexit
import importlib
import json
import os
import runpy
import select
import subprocess
import sys
import tempfile
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_IMPORT_TIME_ENV = ("TF_", "CUDA", "XLA", "OMP_", "MKL", "KMP_", "PYTHON")
# tfgan_mh's root first (its oneDNN choice precedes TensorFlow's import, as in every entry point), then what the
# entry points import from outside tfgan_mh.
_PRELOADED = ("tfgan_mh", "absl.app", "absl.flags", "absl.logging", "gin", "keras", "matplotlib", "numpy", "scipy",
              "tensorflow")
_servers = {}  # signature of the import-time environment -> Popen of its server


def _signature(env):
  return tuple(sorted((k, v) for k, v in env.items() if k.startswith(_IMPORT_TIME_ENV)))


def _command(argv):
  """("module", name, args) / ("script", path, args) for `python -m name args` / `python path args`, else None
  (and always None off Linux: macOS's system libraries are not fork-safe once threads have started)."""
  if sys.platform != "linux" or len(argv) < 2 or argv[0] != sys.executable:
    return None
  if argv[1] == "-m" and len(argv) >= 3:
    return "module", argv[2], list(argv[3:])
  if not argv[1].startswith("-") and argv[1].endswith(".py"):
    return "script", argv[1], list(argv[2:])
  return None


def _server(env):
  key = _signature(env)
  proc = _servers.get(key)
  if proc is None or proc.poll() is not None:
    server_env = {k: v for k, v in os.environ.items() if not k.startswith(_IMPORT_TIME_ENV)}
    server_env.update(key)
    proc = subprocess.Popen([sys.executable, "-m", "tests.forkserver"], cwd=REPO, env=server_env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _servers[key] = proc
  return proc


def _read_line(proc, timeout):
  ready, _, _ = select.select([proc.stdout], [], [], timeout)
  if not ready:
    return None
  line = proc.stdout.readline()
  if not line:
    raise RuntimeError("the fork server exited (see tests/forkserver.py)")
  return json.loads(line)


def run(argv, *, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
  """subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)."""
  argv = [str(a) for a in argv]
  env = dict(os.environ if env is None else env)
  command = _command(argv)
  if command is None:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
  with tempfile.TemporaryDirectory(prefix="forkserver_") as tmp:
    out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
    proc = _server(env)
    kind, target, args = command
    proc.stdin.write(json.dumps(dict(kind=kind, target=target, args=args, cwd=os.path.abspath(cwd or os.getcwd()),
                                     env=env, stdout=out, stderr=err)) + "\n")
    proc.stdin.flush()
    started = _read_line(proc, 600)  # a new server imports TensorFlow first
    if started is None:
      raise RuntimeError("the fork server did not start a child within 600 s (see tests/forkserver.py)")
    pid = started["pid"]
    done = _read_line(proc, timeout)
    if done is None:
      os.kill(pid, 9)
      _read_line(proc, 60)
      raise subprocess.TimeoutExpired(argv, timeout)
    with open(out, encoding="utf-8", errors="replace") as f_out, open(err, encoding="utf-8", errors="replace") as f_err:
      return subprocess.CompletedProcess(argv, done["code"], f_out.read(), f_err.read())


@atexit.register
def _stop_servers():
  for proc in _servers.values():
    if proc.poll() is None:
      proc.stdin.close()
      proc.wait(timeout=60)


def _child(request) -> None:
  """Becomes the requested command; never returns."""
  code = 1
  try:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY | os.O_CREAT),
                            (2, request["stderr"], os.O_WRONLY | os.O_CREAT)):
      os.dup2(os.open(path, flags), fd)
    target = request["target"]
    sys.argv = [target if request["kind"] == "script" else sys.executable] + request["args"]
    sys.path[0] = os.getcwd() if request["kind"] == "module" else os.path.dirname(os.path.abspath(target))
    try:
      if request["kind"] == "module":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
      else:
        runpy.run_path(target, run_name="__main__")
      code = 0
    except SystemExit as e:
      if e.code is None or isinstance(e.code, int):
        code = e.code or 0
      else:
        print(e.code, file=sys.stderr)
    except BaseException:  # pylint: disable=broad-except
      traceback.print_exc()
    atexit._run_exitfuncs()  # pylint: disable=protected-access
  finally:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve() -> None:
  """The server: imports the libraries, then forks a child per request line on stdin and reports its exit code."""
  for name in _PRELOADED:
    importlib.import_module(name)
  for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
      _child(request)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
  serve()
