"""Sweeps: the sweep-file format, checks before anything starts, the plans, local runs, TPU queues.

Most tests run `tfgan_mh.cli.sweep.main` against a launch folder of stub scripts that record their arguments;
one runs `launch/batch.sh --dry_run` and two tiny real ring trainings through `launch/batch.sh`.
"""

import contextlib
import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

import tensorflow as tf

from tfgan_mh.cli import sweep
from tfgan_mh.cli import sweep_file
from tfgan_mh.cli import train as train_main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RING = train_main.DEFAULT_GIN  # absolute path: the tests do not depend on the current directory
TINY = ("train.num_steps=2 train.global_batch_size=16 cadence.steps_per_loop=1 cadence.save_every=2 "
        "cadence.image_every=2 cadence.log_every=2 cadence.summary_every=2")

# Stubs of the launch scripts: each call appends its arguments to $CALLS. tpu_train.sh/train.sh fail for a
# model_dir containing "fail", else write TRAIN_DONE; eval.sh follows the run until TRAIN_DONE (a sidecar).
STUBS = {
    "train.sh": 'echo "train.sh $*" >> "$CALLS"; [[ "$2" == *fail* ]] && exit 3; '
                'mkdir -p "$2"; touch "$2/TRAIN_DONE"',
    "tpu_train.sh": 'echo "tpu_train.sh $*" >> "$CALLS"; sleep 0.3; [[ "$2" == *fail* ]] && exit 3; '
                    'mkdir -p "$2"; touch "$2/TRAIN_DONE"',
    "eval.sh": 'echo "eval.sh $*" >> "$CALLS"; trap \'echo "eval.sh killed $1" >> "$CALLS"; exit 0\' TERM; '
               '[[ "$2" == --once ]] && exit 0; '
               'while [[ ! -e "$1/TRAIN_DONE" ]]; do sleep 0.1; done; '
               'echo "eval.sh saw TRAIN_DONE $1" >> "$CALLS"',
}


def _tempdir(test) -> str:
  path = tempfile.mkdtemp(prefix="tfgan_mh_sweep_")
  test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


def _write(path: str, text: str) -> str:
  with open(path, "w") as f:
    f.write(text)
  return path


def _stub_launch_dir(root: str, scripts=("train.sh", "tpu_train.sh", "eval.sh")) -> str:
  launch = os.path.join(root, "launch")
  os.makedirs(launch)
  for name in scripts:
    path = _write(os.path.join(launch, name), "#!/usr/bin/env bash\n" + STUBS[name] + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
  return launch


def _main(args, calls: str = "/dev/null"):
  """(exit code, stdout, stderr) of tfgan_mh.cli.sweep.main(args)."""
  out, err = io.StringIO(), io.StringIO()
  old = os.environ.get("CALLS")
  os.environ["CALLS"] = calls
  try:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
      try:
        code = sweep.main(args)
      except SystemExit as e:
        code = e.code
  finally:
    if old is None:
      del os.environ["CALLS"]
    else:
      os.environ["CALLS"] = old
  return code, out.getvalue(), err.getvalue()


def _read(path: str) -> list:
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return f.read().splitlines()


class SweepFileTest(tf.test.TestCase):

  def test_lines_names_and_bindings(self):
    tmp = _tempdir(self)
    extra = _write(os.path.join(tmp, "extra.gin"), "train.d_steps = 2\n")
    path = _write(os.path.join(tmp, "s.sweep"), f"""# a comment line

{RING} train.num_steps=3 --gin_param=g/adam.beta_1=0.1   # trailing comment
  {RING}   --gin_param "build_source.name='ring'" --gin_file={extra} name=named.run_1 tpu=tpu-b
""")
    runs = sweep_file.parse_sweep(path)
    self.assertEqual([r.lineno for r in runs], [3, 4])
    self.assertEqual(runs[0].name, "ring_default-L3")  # <gin stem>-L<line>
    self.assertEqual(runs[0].gin_params, ["train.num_steps=3", "g/adam.beta_1=0.1"])
    self.assertEqual(runs[0].gin_files, [RING])
    self.assertIsNone(runs[0].tpu)
    self.assertEqual(runs[1].name, "named.run_1")
    self.assertEqual(runs[1].gin_params, ["build_source.name='ring'"])  # shell quoting keeps gin's quotes
    self.assertEqual(runs[1].gin_files, [RING, extra])
    self.assertEqual(runs[1].train_flags(), [f"--gin_file={extra}", "--gin_param=build_source.name='ring'"])
    self.assertEqual(runs[1].tpu, "tpu-b")
    self.assertEqual(sweep_file.check_gin(runs, path), [])

  def test_every_bad_line_is_reported_with_its_number(self):
    tmp = _tempdir(self)
    path = _write(os.path.join(tmp, "bad.sweep"), f"""# header
{RING} name=a
{tmp}/missing.gin
{RING} train.num_stepz=3 name=b
{RING} name=a
{RING} "unbalanced
{RING} --foo
{RING} name=bad/name
--gin_param=x.y=1
{RING} name=ok
""")
    runs, errors = sweep_file.read_sweep(path)
    self.assertEqual([r.name for r in runs], ["a", "b", "a", "ok"])
    errors = errors + sweep_file.check_gin(runs, path)
    expected = {
        3: f"gin file '{tmp}/missing.gin' does not exist",
        4: "gin configuration error in ",  # from tfgan_mh.cli.parse_gin
        5: "run name 'a' is already used on line 2; give each line its own name=",
        6: "cannot split the line (No closing quotation)",
        7: "unexpected '--foo': expected --gin_param=BINDING",
        8: "run name 'bad/name' must be letters, digits",
        9: "a line starts with its gin file, got '--gin_param=x.y=1'",
    }
    by_line = {int(e[len(path) + 1:].split(":", 1)[0]): e for e in errors}
    self.assertEqual(sorted(by_line), sorted(expected))
    for line, text in expected.items():
      self.assertIn(f"{path}:{line}: {text}", by_line[line])
    self.assertIn("doesn't have a parameter named 'num_stepz'", by_line[4])
    with self.assertRaisesRegex(ValueError, f"^{path}:3: gin file"):
      sweep_file.parse_sweep(path)

  def test_empty_and_missing_sweep_files(self):
    tmp = _tempdir(self)
    empty = _write(os.path.join(tmp, "empty.sweep"), "# nothing\n\n")
    self.assertEqual(sweep_file.read_sweep(empty), ([], [f"{empty}: no runs (every line is blank or a comment)"]))
    self.assertEqual(sweep_file.read_sweep(os.path.join(tmp, "nope"))[1],
                     [f"{tmp}/nope: sweep file does not exist"])

  def test_tpu_queues_round_robin_and_pinned(self):
    runs = [sweep_file.Run(lineno=i, gin_file=RING, extra_gin_files=[], gin_params=[], name=f"r{i}",
                           tpu="big" if i == 3 else None) for i in range(1, 6)]
    queues = sweep.tpu_queues(runs, ["a", "b"])
    self.assertEqual({t: [r.lineno for r in q] for t, q in queues.items()},
                     {"a": [1, 4], "b": [2, 5], "big": [3]})


class SweepMainTest(tf.test.TestCase):
  """tfgan_mh.cli.sweep.main with stub launch scripts: checks, plans, local runs and TPU queues."""

  def setUp(self):
    super().setUp()
    self.tmp = _tempdir(self)
    self.calls = os.path.join(self.tmp, "calls.txt")
    self.prefix = os.path.join(self.tmp, "runs")

  def _sweep(self, text: str) -> str:
    return _write(os.path.join(self.tmp, "s.sweep"), text)

  def test_bad_line_stops_everything_before_the_start(self):
    launch = _stub_launch_dir(self.tmp)
    path = self._sweep(f"{RING} name=one\n{RING} train.num_stepz=1 name=two\n{RING} name=one\n")
    code, out, err = _main([path, f"--prefix={self.prefix}", f"--launch_dir={launch}"], self.calls)
    self.assertEqual(code, 2)
    self.assertEqual(out, "")
    lines = err.splitlines()
    self.assertLen(lines, 2)
    self.assertStartsWith(lines[0], f"{path}:2: gin configuration error")
    self.assertEqual(lines[1],
                     f"{path}:3: run name 'one' is already used on line 1; give each line its own name=")
    self.assertEqual(_read(self.calls), [])  # nothing started
    self.assertFalse(os.path.exists(self.prefix))

  def test_missing_scripts_and_bad_options(self):
    launch = _stub_launch_dir(self.tmp, scripts=("train.sh", "tpu_train.sh"))  # no eval.sh
    path = self._sweep(f"{RING} name=one\n")
    code, _, err = _main([path, "--eval", f"--launch_dir={launch}"])
    self.assertEqual((code, err), (2, f"error: {launch}/eval.sh is missing or not executable\n"))
    code, _, err = _main([path, "--tpu=local", f"--prefix={self.prefix}", f"--launch_dir={launch}"])
    self.assertEqual(code, 2)
    self.assertIn("eval.sh is missing or not executable (pass --no_eval to start no sidecar eval)", err)
    code, _, err = _main([path, "--tpu=node-a", f"--prefix={self.prefix}", "--no_eval",
                          f"--launch_dir={launch}"])
    self.assertEqual(code, 2)
    self.assertEqual(err, f"error: --prefix='{self.prefix}' must be gs://... for TPU node(s) node-a (their "
                     "workers cannot see local disks); only --tpu=local (a TPU VM) can use a local prefix\n")
    code, _, err = _main([path, "--tpu=node-a", "--no_eval", f"--launch_dir={launch}"])
    self.assertEqual(code, 2)
    self.assertStartsWith(err, "error: --prefix is required on TPU")
    code, _, err = _main([path, "--bogus"])
    self.assertEqual((code, err),
                     (2, "error: unrecognized arguments: --bogus (see launch/batch.sh --help)\n"))

  def test_local_dry_run_prints_the_plan_and_runs_nothing(self):
    launch = _stub_launch_dir(self.tmp)
    path = self._sweep(f"{RING} train.num_steps=3 name=one\n\n{RING} \"build_source.name='ring'\" tpu=x\n")
    code, out, err = _main([path, f"--prefix={self.prefix}", "--eval", "--eval_args=--num_samples 10",
                            "--dry_run", f"--launch_dir={launch}"], self.calls)
    self.assertEqual((code, err), (0, ""))
    self.assertEqual(out.splitlines(), [
        f"sweep {path}: 2 run(s) on this machine, one after another, each followed by one eval pass",
        f"[1/2] line 1 one -> {self.prefix}/one",
        f"    {launch}/train.sh {RING} {self.prefix}/one --gin_param=train.num_steps=3",
        f"    {launch}/eval.sh {self.prefix}/one --once --num_samples 10",
        f"[2/2] line 3 ring_default-L3 -> {self.prefix}/ring_default-L3  (tpu=x ignored locally)",
        f"    {launch}/train.sh {RING} {self.prefix}/ring_default-L3 "
        "'--gin_param=build_source.name='\"'\"'ring'\"'\"''",
        f"    {launch}/eval.sh {self.prefix}/ring_default-L3 --once --num_samples 10"])
    self.assertEqual(_read(self.calls), [])

  def test_local_runs_one_after_another_stop_on_failure_and_resume(self):
    launch = _stub_launch_dir(self.tmp)
    path = self._sweep(f"{RING} name=one\n{RING} name=two_fail\n{RING} name=three\n")
    args = [path, f"--prefix={self.prefix}", f"--launch_dir={launch}", "--eval"]
    code, out, err = _main(args, self.calls)
    self.assertEqual(code, 1)
    self.assertEqual(_read(self.calls), [
        f"train.sh {RING} {self.prefix}/one", f"eval.sh {self.prefix}/one --once",
        f"train.sh {RING} {self.prefix}/two_fail"])
    self.assertIn("=== [2/3] two_fail: FAILED (exit 3)", out)
    self.assertEqual(err, "sweep stopped after line 2 failed (--keep_going to go on)\n")
    # Re-running skips the finished run; --keep_going runs the rest and reports the failure at the end.
    os.remove(self.calls)
    code, out, err = _main(args + ["--keep_going"], self.calls)
    self.assertEqual(code, 1)
    self.assertIn(f"[1/3] line 1 one -> {self.prefix}/one  (skip: TRAIN_DONE)", out)
    self.assertEqual(_read(self.calls), [
        f"train.sh {RING} {self.prefix}/two_fail",
        f"train.sh {RING} {self.prefix}/three", f"eval.sh {self.prefix}/three --once"])
    self.assertEqual(err, "sweep finished: 1 of 3 run(s) failed (lines 2)\n")
    os.remove(self.calls)
    _main(args + ["--keep_going", "--rerun_done"], self.calls)
    self.assertIn(f"train.sh {RING} {self.prefix}/one", _read(self.calls))

  def test_tpu_queues_run_detached_with_sidecar_evals(self):
    launch = _stub_launch_dir(self.tmp)
    log_dir = os.path.join(self.tmp, "logs")
    path = self._sweep(f"{RING} name=a1\n{RING} name=b1\n{RING} name=a2_fail\n{RING} name=big tpu=v3-32\n")
    # Dry run on TPU nodes (gs:// prefix; --rerun_done: no look at the bucket for TRAIN_DONE).
    code, out, err = _main([path, "--prefix=gs://bucket/sweep", "--tpu=node-a,node-b", "--rerun_done",
                            f"--launch_dir={launch}", f"--log_dir={log_dir}", "--dry_run"], self.calls)
    self.assertEqual((code, err), (0, ""))
    self.assertIn("4 run(s) on 3 TPU queue(s), each run with a sidecar eval job", out)
    self.assertIn("queue node-a:\n  line 1 a1 -> gs://bucket/sweep/a1\n"
                  "  line 3 a2_fail -> gs://bucket/sweep/a2_fail\n"
                  "queue node-b:\n  line 2 b1 -> gs://bucket/sweep/b1\n"
                  "queue v3-32:\n  line 4 big -> gs://bucket/sweep/big\n", out)
    self.assertIn("--- queue_node-a.sh ---\n#!/usr/bin/env bash\n", out)
    self.assertIn(f"{launch}/eval.sh gs://bucket/sweep/a2_fail --wait_for_run > {log_dir}/a2_fail.eval.log "
                  "2>&1 &\n", out)
    self.assertIn(f"if {launch}/tpu_train.sh {RING} gs://bucket/sweep/a2_fail node-a > "
                  f"{log_dir}/a2_fail.train.log 2>&1; then", out)
    self.assertFalse(os.path.exists(log_dir))
    self.assertEqual(_read(self.calls), [])
    # A real start on a TPU VM ('local': a local prefix is allowed), run by the stubs.
    path = self._sweep(f"{RING} name=a1\n{RING} name=a2_fail\n{RING} name=a3\n")
    code, out, err = _main([path, f"--prefix={self.prefix}", "--tpu=local", f"--launch_dir={launch}",
                            f"--log_dir={log_dir}", "--eval_args=--metrics=fid"], self.calls)
    self.assertEqual((code, err), (0, ""))
    self.assertRegex(out, r"started queue local: pid \d+, log .*/queue_local.log")
    queue_log = os.path.join(log_dir, "queue_local.log")
    last = f"eval.sh saw TRAIN_DONE {self.prefix}/a3"
    deadline = time.time() + 120  # a bound on waiting for the detached queue, not a speed check
    while last not in _read(self.calls) and time.time() < deadline:
      time.sleep(0.2)
    calls = _read(self.calls)
    for name in ("a1", "a2_fail", "a3"):
      self.assertIn(f"tpu_train.sh {RING} {self.prefix}/{name} local", calls)
      self.assertIn(f"eval.sh {self.prefix}/{name} --wait_for_run --metrics=fid", calls)
    self.assertIn(f"eval.sh saw TRAIN_DONE {self.prefix}/a1", calls)  # the sidecar stops at TRAIN_DONE
    self.assertIn(f"eval.sh killed {self.prefix}/a2_fail", calls)     # failed training: sidecar killed
    self.assertIn(last, calls)
    self.assertLess(calls.index(f"tpu_train.sh {RING} {self.prefix}/a1 local"),
                    calls.index(f"tpu_train.sh {RING} {self.prefix}/a2_fail local"))
    while "finished" not in "".join(_read(queue_log)) and time.time() < deadline:
      time.sleep(0.2)
    log = "\n".join(_read(queue_log))
    self.assertIn("line 2 a2_fail: training FAILED rc=3", log)
    self.assertIn("queue local finished: 1 failed", log)
    for name in ("a3.train.log", "a3.eval.log", "queue_local.sh"):
      self.assertTrue(os.path.exists(os.path.join(log_dir, name)), name)


class BatchShTest(tf.test.TestCase):
  """launch/batch.sh end to end: the dry-run plan, and two tiny ring trainings one after another."""

  def _run(self, args, timeout=600):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(REPO, "launch", "batch.sh")] + args, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)

  def test_dry_run_of_the_example_sweeps(self):
    result = self._run(["sweeps/ring.sweep", "--dry_run", "--prefix=/tmp/x"])
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("[1/4] line 4 ring_kplus1 -> /tmp/x/ring_kplus1\n"
                  "    launch/train.sh gin/experiments/ring_kplus1.gin /tmp/x/ring_kplus1\n", result.stdout)
    self.assertIn("--gin_param=train.d_steps=1", result.stdout)
    cwd = os.getcwd()
    os.chdir(REPO)  # sweep files name gin files relative to the repository root
    try:
      for name in sorted(os.listdir("sweeps")):
        runs, errors = sweep_file.read_sweep(os.path.join("sweeps", name))
        self.assertEqual(errors + sweep_file.check_gin(runs, name), [])
        self.assertNotEmpty(runs)
    finally:
      os.chdir(cwd)
    bad = self._run(["sweeps/does_not_exist.sweep"])
    self.assertEqual((bad.returncode, bad.stderr), (2, "error: sweep file 'sweeps/does_not_exist.sweep' does "
                                                       "not exist\n"))

  def test_two_tiny_local_runs(self):
    tmp = _tempdir(self)
    path = _write(os.path.join(tmp, "two.sweep"), f"# two tiny ring runs\n{RING} {TINY} name=first\n"
                                                  f"{RING} {TINY} train.num_steps=4\n")
    prefix = os.path.join(tmp, "runs")
    result = self._run([path, f"--prefix={prefix}"])
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    for name, steps in (("first", [2]), ("ring_default-L3", [2, 4])):
      self.assertTrue(os.path.exists(os.path.join(prefix, name, "TRAIN_DONE")), name)
      found = sorted(int(f[5:-6]) for f in os.listdir(os.path.join(prefix, name)) if f.endswith(".index"))
      self.assertEqual(found, steps)
    self.assertIn(f"sweep finished: 2 run(s) under {prefix}", result.stdout)
    again = self._run([path, f"--prefix={prefix}", "--dry_run"])
    self.assertIn(f"[2/2] line 3 ring_default-L3 -> {prefix}/ring_default-L3  (skip: TRAIN_DONE)",
                  again.stdout)


if __name__ == "__main__":
  tf.test.main()
