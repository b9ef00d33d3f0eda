r"""Batch sweeps: `launch/batch.sh SWEEP_FILE [options]` (this module runs them; the file format and its checks:
`tfgan_mh.cli.sweep_file`).

Local (default): the runs go one after another on this machine, each `launch/train.sh GIN MODEL_DIR
[--gin_param=...]`, followed by `launch/eval.sh MODEL_DIR --once` with --eval. A failed run stops the sweep
(--keep_going: go on, exit 1 at the end). A run whose model_dir has TRAIN_DONE is skipped, so re-running a
sweep resumes it (an interrupted run continues from its last checkpoint); --rerun_done starts finished runs
too (to extend them with a larger train.num_steps).

TPU (--tpu=NAME[,NAME...]; or $TPU_NAME with --tpu=env): lines go to the TPUs round-robin (or to the
TPU named by the line's tpu=); each TPU gets a queue that runs its lines one after another with
`launch/tpu_train.sh GIN MODEL_DIR TPU ...`, each beside its sidecar eval job
`launch/eval.sh MODEL_DIR --wait_for_run [--eval_args]`, which stops by itself at TRAIN_DONE and is killed
if the training fails (--no_eval: no sidecars). The queues run detached (nohup) and log to --log_dir
(default ./sweep_logs/SWEEP_STEM): queue_<TPU>.sh, its .log, RUN.train.log, RUN.eval.log; batch.sh returns
after starting them. PREFIX (--prefix or $SWEEP_PREFIX) is required and must be gs:// unless every TPU is
'local' (a TPU VM); locally it defaults to /tmp/tfgan_mh_runs/SWEEP_STEM.

--dry_run prints the plan (and, on TPU, the queue scripts) after the same checks (every line, as
`tfgan_mh.cli.sweep_file` says), and starts nothing.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from typing import Dict, List

from tfgan_mh.cli import sweep_file
from tfgan_mh.run.names import TRAIN_DONE


def finished(runs: List[sweep_file.Run]) -> Dict[str, bool]:
  """{run name: its model_dir has TRAIN_DONE}; remote dirs that cannot be read count as not finished."""
  done, remote_ok = {}, True
  for run in runs:
    if "://" not in run.model_dir:
      done[run.name] = os.path.exists(os.path.join(run.model_dir, TRAIN_DONE))
      continue
    done[run.name] = False
    if not remote_ok:
      continue
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    try:
      done[run.name] = tf.io.gfile.exists(f"{run.model_dir}/{TRAIN_DONE}")
    except tf.errors.OpError as e:
      remote_ok = False  # no credentials / network: do not wait for the same timeout on every line
      text = str(e).strip().splitlines()
      print(f"warning: cannot check {run.model_dir}/{TRAIN_DONE} ({text[0] if text else type(e).__name__}); "
            "no run is skipped", file=sys.stderr)
  return done


def local_commands(run: sweep_file.Run, launch_dir: str, eval_after: bool,
                   eval_args: List[str]) -> List[List[str]]:
  """The commands of one line on this machine: training, then (with --eval) one pass of the eval job."""
  cmds = [[os.path.join(launch_dir, "train.sh"), run.gin_file, run.model_dir] + run.train_flags()]
  if eval_after:
    cmds.append([os.path.join(launch_dir, "eval.sh"), run.model_dir, "--once"] + eval_args)
  return cmds


def tpu_queues(runs: List[sweep_file.Run], tpus: List[str]) -> Dict[str, List[sweep_file.Run]]:
  """Lines by TPU: a line's tpu= wins, the others go round-robin over `tpus` in file order."""
  queues: Dict[str, List[sweep_file.Run]] = {t: [] for t in tpus}
  free = [r for r in runs if not r.tpu]
  for i, run in enumerate(free):
    run.tpu = tpus[i % len(tpus)]
  for run in runs:
    queues.setdefault(run.tpu, []).append(run)
  return {t: sorted(q, key=lambda r: r.lineno) for t, q in queues.items() if q}


def queue_script(tpu: str, runs: List[sweep_file.Run], *, launch_dir: str, log_dir: str, with_eval: bool,
                 eval_args: List[str], skip: Dict[str, bool]) -> str:
  """A bash script running `runs` one after another on `tpu`, each with its sidecar eval job."""
  q = shlex.quote
  lines = ["#!/usr/bin/env bash",
           f"# tfgan_mh sweep queue for TPU {tpu}: {len(runs)} run(s), one after another.",
           "set -u", f"cd {q(os.getcwd())}", "failed=0",
           'say() { echo "[$(date +%F\\ %T)] $*"; }']
  for run in runs:
    tag = f"line {run.lineno} {run.name}"
    if skip.get(run.name):
      lines.append(f"say {q(f'{tag}: skipped, {run.model_dir} has {TRAIN_DONE}')}")
      continue
    train = ([os.path.join(launch_dir, "tpu_train.sh"), run.gin_file, run.model_dir, tpu] + run.train_flags())
    train_log = os.path.join(log_dir, f"{run.name}.train.log")
    lines.append(f"say {q(f'{tag}: training in {run.model_dir} (log {train_log})')}")
    if with_eval:
      # Started beside the training: the run directory may not exist yet.
      ev = [os.path.join(launch_dir, "eval.sh"), run.model_dir, "--wait_for_run"] + eval_args
      eval_log = os.path.join(log_dir, f"{run.name}.eval.log")
      lines.append(f"{shlex.join(ev)} > {q(eval_log)} 2>&1 &")
      lines.append("eval_pid=$!")
      lines.append(f"say {q(f'{tag}: sidecar eval pid')} $eval_pid {q(f'(log {eval_log})')}")
    lines.append(f"if {shlex.join(train)} > {q(train_log)} 2>&1; then say {q(f'{tag}: training done')}")
    lines.append(f"else rc=$?; failed=$((failed + 1)); say {q(f'{tag}: training FAILED')} rc=$rc")
    if with_eval:
      lines.append(f"  kill $eval_pid 2>/dev/null; say {q(f'{tag}: sidecar eval stopped')}")
    lines.append("fi")
  lines.append(f"say {q(f'queue {tpu} finished:')} $failed failed")
  lines.append('exit $(( failed > 0 ))')
  return "\n".join(lines) + "\n"


class _Parser(argparse.ArgumentParser):

  def error(self, message):  # one line on stderr (argparse's own prints the usage too)
    print(f"error: {message} (see launch/batch.sh --help)", file=sys.stderr)
    sys.exit(2)


def _arg_parser() -> argparse.ArgumentParser:
  p = _Parser(prog="launch/batch.sh", description="Run a sweep file: one training (+ eval) per line.",
              epilog="Sweep file format: see tfgan_mh/cli/sweep_file.py (python -m pydoc tfgan_mh.cli.sweep_file).")
  p.add_argument("sweep", help="sweep file: GIN_FILE [bindings] [name=RUN] [tpu=TPU] per line")
  p.add_argument("--dry_run", action="store_true", help="check every line, print the plan, start nothing")
  p.add_argument("--prefix", default=os.environ.get("SWEEP_PREFIX"),
                 help="model_dir = PREFIX/RUN (gs://... on TPU; default $SWEEP_PREFIX, locally "
                      "/tmp/tfgan_mh_runs/SWEEP_STEM)")
  p.add_argument("--tpu", default=None, help="TPU mode: TPU names (comma-separated), 'local' on a TPU VM, or "
                 "'env' for $TPU_NAME")
  p.add_argument("--eval", action="store_true",
                 help="local: run `launch/eval.sh MODEL_DIR --once` after each training")
  p.add_argument("--no_eval", action="store_true", help="TPU: no sidecar eval jobs")
  p.add_argument("--eval_args", default="", help="extra flags for every launch/eval.sh call (one string)")
  p.add_argument("--rerun_done", action="store_true",
                 help="start runs whose model_dir has TRAIN_DONE too (the trainer extends them if "
                      "num_steps grew, else stops at once)")
  p.add_argument("--keep_going", action="store_true", help="local: go on after a failed run")
  p.add_argument("--log_dir", default=None,
                 help="TPU: queue scripts and logs (default ./sweep_logs/SWEEP_STEM)")
  p.add_argument("--launch_dir", default=None, help=argparse.SUPPRESS)  # set by batch.sh: its own folder
  return p


def _fail(messages, code: int = 2):
  """Prints each message on its own line on stderr ('SWEEP:LINE: ...' or 'error: ...') and exits."""
  for m in messages:
    print(m, file=sys.stderr)
  sys.exit(code)


def main(argv=None) -> int:
  args = _arg_parser().parse_args(argv)
  launch_dir = args.launch_dir or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                               "launch")
  rel = os.path.relpath(launch_dir)
  launch_dir = rel if not rel.startswith("..") else launch_dir  # shorter commands in the plan
  stem = os.path.splitext(os.path.basename(args.sweep))[0]
  tpus = None
  if args.tpu is not None:
    spec = os.environ.get("TPU_NAME", "") if args.tpu == "env" else args.tpu
    tpus = [t for t in spec.split(",") if t]
    if not tpus:
      _fail(["error: --tpu: no TPU name (with --tpu=env, $TPU_NAME is empty)"])
  eval_args = shlex.split(args.eval_args)
  prefix = args.prefix or (None if tpus else f"/tmp/tfgan_mh_runs/{stem}")
  problems = []
  if not prefix:
    problems.append("error: --prefix is required on TPU: a gs://bucket/folder for the model_dirs "
                    "(or $SWEEP_PREFIX)")
  with_eval = (not args.no_eval) if tpus else args.eval
  needed = ["tpu_train.sh" if tpus else "train.sh"] + (["eval.sh"] if with_eval else [])
  for script in needed:
    if not os.access(os.path.join(launch_dir, script), os.X_OK):
      hint = " (pass --no_eval to start no sidecar eval)" if script == "eval.sh" and tpus else ""
      problems.append(f"error: {os.path.join(launch_dir, script)} is missing or not executable{hint}")
  runs, errors = sweep_file.read_sweep(args.sweep)
  if problems or not runs:
    _fail(problems + errors)
  for run in runs:
    run.model_dir = f"{prefix.rstrip('/')}/{run.name}"
  if tpus:
    queues = tpu_queues(runs, tpus)
    non_gcs = [t for t in queues if t != "local"]
    if non_gcs and not prefix.startswith("gs://"):
      _fail([f"error: --prefix={prefix!r} must be gs://... for TPU node(s) {', '.join(non_gcs)} (their "
             "workers cannot see local disks); only --tpu=local (a TPU VM) can use a local prefix"])
  errors += sweep_file.check_gin(runs, args.sweep)
  if errors:
    _fail(sweep_file.by_line(errors, args.sweep))
  skip = {r.name: False for r in runs} if args.rerun_done else finished(runs)
  if tpus:
    return _run_tpu(args, runs, queues, launch_dir, with_eval, eval_args, skip, stem)
  return _run_local(args, runs, launch_dir, with_eval, eval_args, skip)


def _run_local(args, runs, launch_dir, with_eval, eval_args, skip) -> int:
  print(f"sweep {args.sweep}: {len(runs)} run(s) on this machine, one after another"
        f"{', each followed by one eval pass' if with_eval else ''}")
  for i, run in enumerate(runs, 1):
    note = f"  (skip: {TRAIN_DONE})" if skip[run.name] else ""
    ignored = f"  (tpu={run.tpu} ignored locally)" if run.tpu else ""
    print(f"[{i}/{len(runs)}] line {run.lineno} {run.name} -> {run.model_dir}{note}{ignored}")
    for cmd in local_commands(run, launch_dir, with_eval, eval_args):
      print(f"    {shlex.join(cmd)}")
  if args.dry_run:
    return 0
  sys.stdout.flush()
  failed = []
  for i, run in enumerate(runs, 1):
    if skip[run.name]:
      print(f"=== [{i}/{len(runs)}] {run.name}: skipped, {run.model_dir} has {TRAIN_DONE}", flush=True)
      continue
    print(f"=== [{i}/{len(runs)}] {run.name}: {run.model_dir}", flush=True)
    start = time.time()
    for cmd in local_commands(run, launch_dir, with_eval, eval_args):
      rc = subprocess.call(cmd)
      if rc:
        failed.append(run)
        print(f"=== [{i}/{len(runs)}] {run.name}: FAILED (exit {rc}) in {shlex.join(cmd[:1])}", flush=True)
        break
    else:
      print(f"=== [{i}/{len(runs)}] {run.name}: done in {time.time() - start:.0f}s", flush=True)
    if failed and not args.keep_going:
      print(f"sweep stopped after line {run.lineno} failed (--keep_going to go on)", file=sys.stderr)
      return 1
  if failed:
    print(f"sweep finished: {len(failed)} of {len(runs)} run(s) failed (lines "
          f"{', '.join(str(r.lineno) for r in failed)})", file=sys.stderr)
    return 1
  print(f"sweep finished: {len(runs)} run(s) under {os.path.dirname(runs[0].model_dir)}")
  return 0


def _run_tpu(args, runs, queues, launch_dir, with_eval, eval_args, skip, stem) -> int:
  log_dir = os.path.abspath(args.log_dir or os.path.join("sweep_logs", stem))
  scripts = {tpu: queue_script(tpu, q, launch_dir=launch_dir, log_dir=log_dir, with_eval=with_eval,
                               eval_args=eval_args, skip=skip) for tpu, q in queues.items()}
  print(f"sweep {args.sweep}: {len(runs)} run(s) on {len(queues)} TPU queue(s), each run "
        f"{'with a sidecar eval job' if with_eval else 'without eval'}; logs in {log_dir}")
  for tpu, q in queues.items():
    print(f"queue {tpu}:")
    for run in q:
      note = f"  (skip: {TRAIN_DONE})" if skip[run.name] else ""
      print(f"  line {run.lineno} {run.name} -> {run.model_dir}{note}")
  if args.dry_run:
    for tpu, text in scripts.items():
      print(f"\n--- queue_{tpu}.sh ---\n{text}", end="")
    return 0
  os.makedirs(log_dir, exist_ok=True)
  for tpu, text in scripts.items():
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", tpu)
    path = os.path.join(log_dir, f"queue_{safe}.sh")
    with open(path, "w") as f:
      f.write(text)
    os.chmod(path, 0o755)
    log = open(path[:-3] + ".log", "a")  # pylint: disable=consider-using-with
    proc = subprocess.Popen(["nohup", "bash", path], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    print(f"started queue {tpu}: pid {proc.pid}, log {path[:-3]}.log")
  return 0


def console_main():
  """Console script `tfgan-sweep`."""
  sys.exit(main())


if __name__ == "__main__":
  console_main()
