"""`python -m tfgan_mh.reproduce CLAIM --smoke` for every claim (so the reproductions cannot rot), reuse on
restart, the report's verdict rules, and one-line errors.

The smoke runs read MNIST / Fashion-MNIST with `--data_dir` = the workspace's shared data folder (idx files;
no network here) and are skipped where it is absent."""

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from matplotlib.backends import backend_agg
import numpy as np
import pytest
import tensorflow as tf

from tests import forkserver
from tfgan_mh.reproduce import claims
from tfgan_mh.reproduce import curves
from tfgan_mh.reproduce import distance
from tfgan_mh.reproduce import report
from tfgan_mh.reproduce import runner
from tfgan_mh.training import loop, preemption

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))  # holds mnist/ and fashion_mnist/


def _reproduce(*args, cwd=REPO):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return forkserver.run([sys.executable, "-m", "tfgan_mh.reproduce", *args], cwd=cwd, env=env, timeout=2400)


# The claims' smoke runs in two processes (the test runner's two workers on 2 cores), each trains its claims one
# after the other into one --out, so that the MNIST smoke classifier is trained once per process; grouped by their
# measured smoke time (2-core AVX2 EPYC, seconds per claim alone in a process: toolkit ~210, aam_translation ~110,
# mhgan / mhshared_switch / amgan / aam ~90, mode_gan ~50, magan ~40), and so that arms of the same recipe share
# one run (`reproduce.identity`): the tutorials' cGAN of toolkit / amgan and of aam_translation / mhgan / aam, the
# hinge of mhgan, peers and mhshared_switch (its hinge_base).
SMOKE_GROUPS = (("toolkit", "amgan", "mode_gan", "magan"),
                ("aam_translation", "mhshared_switch", "mhgan", "aam", "peers"))


class _Smoke(tf.test.TestCase):
  """`tfgan-reproduce A,B,... --smoke` once for the class (setUpClass), then one test per claim of its output."""

  __test__ = False  # only its subclasses below run (pytest would collect this base TestCase too)
  claims = ()
  out = proc = None

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    if not os.path.isdir(os.path.join(SHARED, "mnist")) or not os.path.isdir(os.path.join(SHARED, "fashion_mnist")):
      raise unittest.SkipTest(f"MNIST / Fashion-MNIST idx folders not found under {SHARED} (the workspace's shared "
                              "data, passed as --data_dir; without it the claims would download TFDS data)")
    cls.out = tempfile.mkdtemp(prefix="smoke_")
    cls.proc = _reproduce(",".join(cls.claims), "--smoke", f"--out={cls.out}", f"--data_dir={SHARED}")

  @classmethod
  def tearDownClass(cls):
    if cls.out:
      shutil.rmtree(cls.out, ignore_errors=True)
    super().tearDownClass()

  def check_claim(self, name):
    claim, out, proc = claims.CLAIMS[name], self.out, self.proc
    self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
    self.assertEqual(os.listdir(os.path.join(out, "classifiers")), ["mnist_smoke"])  # one, shared by the claims
    with open(os.path.join(out, f"{name}.json")) as f:
      result = json.load(f)
    self.assertTrue(result["smoke"])
    datasets = claim.datasets[:1]  # a smoke run trains each claim's first dataset
    self.assertEqual(len(result["runs"]), len(datasets) * len(claim.arms), name)
    for run in result["runs"]:
      self.assertEqual(run["errors"], {}, f"{name}: {run['errors']}")
      self.assertTrue(os.path.exists(os.path.join(run["model_dir"], "eval", "metrics.jsonl")))
      self.assertIsNotNone(run["protocol"], name)
    self.assertEqual(sorted(result["table"]), sorted(f"{d.name}/{a.name}" for d in datasets for a in claim.arms))
    self.assertIn(result["verdict"], ("reproduced", "not reproduced", "inconclusive", "not converged at 4 steps"))
    for run in result["runs"]:  # 2 checkpoints per smoke run, each evaluated: the learning curve
      start = run["timing"][0]["from"]  # a continued arm counts on from its base's steps
      half = (run["step"] - start) // 2
      self.assertEqual([step for step, _ in run["curve"]][-2:], [run["step"] - half, run["step"]], name)
      self.assertEqual(run["timing"][-1]["to"], run["step"], name)
    self.assertTrue(os.path.exists(os.path.join(out, f"{name}_curves.png")), name)
    with open(os.path.join(out, f"{name}.md")) as f:
      text = f.read()
    self.assertIn("SMOKE", text)
    self.assertIn(f"**Verdict: {result['verdict']}**", text)
    self.assertIn(f"{name}: {result['verdict']}", proc.stdout)


def _restart_reuses_finished_runs(self):
  """Values that must exist even after a few steps; a restart of the cheapest claim trains nothing again."""
  with open(os.path.join(self.out, "magan.json")) as f:
    self.assertGreater(json.load(f)["table"]["mnist/magan"]["margin_first"]["mean"], 0.0)
  with open(os.path.join(self.out, "mode_gan.json")) as f:
    result = json.load(f)
  self.assertEqual(result["reference"]["real data"]["ring_modes_covered"], 10)
  again = _reproduce("mode_gan", "--smoke", f"--out={self.out}", f"--data_dir={SHARED}")
  self.assertEqual(again.returncode, 0, again.stderr[-2000:])
  with open(os.path.join(self.out, "mode_gan.json")) as f:
    after = json.load(f)
  self.assertEqual([r["train_seconds"] for r in after["runs"]], [0.0] * 3)  # nothing trained again
  self.assertEqual(after["table"], result["table"])


def _same_recipes_train_once(self):
  """Arms of the same recipe in two claims of one OUT: the later one's run is a copy of the earlier one's."""
  self.assertEqual(self.proc.returncode, 0, self.proc.stderr[-3000:])
  runs = os.path.join(self.out, "runs")
  copy, source = "peers/mnist/hinge", "mhshared_switch/mnist/hinge_base"
  self.assertIn(f"{runs}/{copy}/seed0: the same recipe and steps as {runs}/{source}/seed0: copied", self.proc.stdout)
  self.assertNotIn(f"train {runs}/{copy}/seed0 ", self.proc.stdout)
  for own in ("mhgan/mnist/hinge", "mhgan/mnist/tutorial_cgan"):  # mhgan's recipe anneals: not the others' runs
    self.assertIn(f"train {runs}/{own}/seed0 (4 steps)", self.proc.stdout)


def _smoke_class(index, names, **more_tests):
  """A TestCase running `names` in one process, in its own xdist group (so its tests share that process's output),
  with a test per claim and `more_tests`."""

  def make_test(name):
    def test(self):
      self.check_claim(name)
    test.__name__ = f"test_claim_writes_its_table_and_verdict_{name}"
    return test

  body = {"__test__": True, "claims": names, "pytestmark": pytest.mark.xdist_group(f"reproduce_smoke_{index}"),
          "__doc__": f"The smoke runs of {', '.join(names)} in one process."}
  body.update({f"test_claim_writes_its_table_and_verdict_{n}": make_test(n) for n in names}, **more_tests)
  return type(f"Smoke{index}Test", (_Smoke,), body)


Smoke0Test = _smoke_class(0, SMOKE_GROUPS[0], test_magan_margin_ring_modes_and_a_restart=_restart_reuses_finished_runs)
Smoke1Test = _smoke_class(1, SMOKE_GROUPS[1], test_same_recipes_train_once=_same_recipes_train_once)


class SmokeGroupsTest(tf.test.TestCase):

  def test_every_claim_is_smoked_once(self):
    self.assertCountEqual([n for g in SMOKE_GROUPS for n in g], claims.CLAIMS)


class ExtendWithoutCheckpointsTest(tf.test.TestCase):

  def test_a_finished_run_without_checkpoints_is_set_aside_and_trained_again(self):
    """What a clone of the campaign holds (records, no checkpoints) asked for more steps: the old records move to
    `seedS.<N>-steps`, untouched, and the new run starts clean from step 0 (no curve mixes two trainings)."""
    model_dir = os.path.join(self.create_tempdir().full_path, "seed0")
    os.makedirs(os.path.join(model_dir, "eval"))
    files = {"TRAIN_DONE": "4", "eval/metrics.jsonl": '{"step": 4, "ring_modes_covered": 10}\n'}
    for name, text in files.items():
      with open(os.path.join(model_dir, name), "w") as f:
        f.write(text)
    arm, log = claims.CLAIMS["mode_gan"].arms[0], []
    kwargs = dict(arm=arm, dataset=claims.RING, seed=0, checkpoints=2, smoke=True, init_from=None, log=log.append)
    self.assertEqual(runner.train_run(model_dir, steps=4, **kwargs), 0.0)  # finished at 4: reused, not moved
    self.assertFalse(os.path.exists(model_dir + ".4-steps"))
    self.assertGreater(runner.train_run(model_dir, steps=6, **kwargs), 0.0)
    for name, text in files.items():
      with open(os.path.join(model_dir + ".4-steps", name)) as f:
        self.assertEqual(f.read(), text)
    with open(os.path.join(model_dir, "TRAIN_DONE")) as f:
      self.assertEqual(f.read().strip(), "6")
    self.assertFalse(os.path.exists(os.path.join(model_dir, "eval", "metrics.jsonl")))  # the eval job's to write
    self.assertEqual(curves.read_timing(model_dir)[0]["from"], 0)
    self.assertIn(f"{model_dir}: finished at 4 steps with no checkpoint to extend: moved to {model_dir}.4-steps",
                  log[0])


  def test_a_run_that_would_not_end_by_the_deadline_is_not_started(self):
    """--stop_within: the claim's timed runs give its seconds per step; a run needing more than the time left is
    not started (no folder, no checkpoint a departing machine would take with it); one that fits trains."""
    claim_dir = os.path.join(self.create_tempdir().full_path, "runs", "mode_gan")
    timed = os.path.join(claim_dir, "ring", "kplus1", "seed0")
    os.makedirs(timed)
    curves.add_timing(timed, 0, 1000, 50.0)  # 0.05 s / step
    self.assertAllClose(curves.seconds_per_step(claim_dir), 0.05)
    self.assertIsNone(curves.seconds_per_step(os.path.join(claim_dir, "nothing_here")))
    model_dir = os.path.join(claim_dir, "ring", "binary", "seed0")
    kwargs = dict(arm=claims.CLAIMS["mode_gan"].arms[0], dataset=claims.RING, seed=0, checkpoints=2, smoke=True,
                  init_from=None, log=[].append)
    with self.assertRaisesRegex(runner.DeadlineReached, rf"^{model_dir} not started: 2000 steps at 0.050 s / step "
                                r"\(the claim's timed runs\) need 2 min, 1 min left$"):
      runner.train_run(model_dir, steps=2000, deadline=__import__("time").time() + 60, **kwargs)
    self.assertFalse(os.path.exists(os.path.join(model_dir, "TRAIN_DONE")))
    self.assertFalse(runner._has_checkpoint(model_dir) if os.path.exists(model_dir) else False)
    other = os.path.join(os.path.dirname(claim_dir), "magan", "mnist", "magan", "seed0")  # a claim never timed
    with self.assertRaisesRegex(runner.DeadlineReached, r"at 0.050 s / step \(every timed run under OUT\)"):
      runner.train_run(other, steps=2000, deadline=__import__("time").time() + 60, **kwargs)
    self.assertGreater(runner.train_run(model_dir, steps=4, deadline=__import__("time").time() + 60, **kwargs), 0.0)

  def test_a_call_stopped_by_a_signal_keeps_its_seconds(self):
    """A campaign stopped by SIGTERM resumes later: the stopped call's steps are timed up to where it stopped."""
    model_dir = os.path.join(self.create_tempdir().full_path, "seed0")
    arm = claims.CLAIMS["mode_gan"].arms[0]
    stopped = preemption.Stopped(signal.SIGTERM, 37, os.path.join(model_dir, "ckpt-37"))
    with mock.patch.object(loop, "train", side_effect=stopped), self.assertRaises(preemption.Stopped):
      runner.train_run(model_dir, arm, claims.RING, seed=0, steps=100, checkpoints=2, smoke=True, init_from=None,
                       log=lambda *a: None)
    (segment,) = curves.read_timing(model_dir)
    self.assertEqual((segment["from"], segment["to"]), (0, 37))
    self.assertGreaterEqual(segment["seconds"], 0.0)


class RecipeIdentityTest(tf.test.TestCase):
  """`reproduce.identity`: a changed recipe is trained again, the same recipe of another claim is copied."""

  def _train(self, out, claim, arm, log, steps=4):
    model_dir = os.path.join(out, "runs", claim, "ring", arm.name, "seed0")
    seconds = runner.train_run(model_dir, arm, claims.RING, seed=0, steps=steps, checkpoints=2, smoke=True,
                               init_from=None, log=log.append, out=out)
    return model_dir, seconds

  def test_fingerprint_follows_the_bindings_not_the_step_count_or_the_data_folder(self):
    files = ("experiments/ring_kplus1.gin",)
    digest = runner.identity.fingerprint(files, ["train.seed = 0"])
    self.assertLen(digest, 64)
    self.assertEqual(digest, runner.identity.fingerprint(files, ["train.seed = 0"]))
    self.assertNotEqual(digest, runner.identity.fingerprint(files, ["train.seed = 1"]))
    self.assertNotEqual(digest, runner.identity.fingerprint(files + ("base/loss_binary.gin",), ["train.seed = 0"]))
    mnist = claims.CLAIMS["mhgan"].datasets[0]
    self.assertNotIn("path", " ".join(mnist.params(None)))  # the key is taken without --data_dir

  def test_an_annealed_recipe_counts_its_steps_a_constant_rate_one_does_not(self):
    files, seed = ("experiments/ring_kplus1.gin",), ["train.seed = 0"]
    constant = {runner.identity.fingerprint(files, seed, steps) for steps in (None, 10, 20)}
    self.assertLen(constant, 1)  # extended to more steps, a run keeps its recipe
    annealed = [runner.identity.fingerprint(files, seed + ["optimization.anneal_from = 0.5"], steps)
                for steps in (10, 20)]
    self.assertNotEqual(annealed[0], annealed[1])  # the schedule follows the length: another recipe
    self.assertNotIn(annealed[0], constant)

  def test_a_run_of_another_recipe_is_set_aside_and_the_same_recipe_elsewhere_is_copied(self):
    out, log = self.create_tempdir().full_path, []
    binary, kplus1, _ = claims.CLAIMS["mode_gan"].arms
    first, seconds = self._train(out, "claim_a", kplus1, log)
    self.assertGreater(seconds, 0.0)
    # Another claim with the same arm: copied, not trained; checkpoints shared on disk, its own TRAIN_DONE.
    second, seconds = self._train(out, "claim_b", kplus1, log)
    self.assertEqual(seconds, 0.0)
    self.assertIn(f"{second}: the same recipe and steps as {first}: copied", log[-1])
    self.assertFalse(os.path.exists(os.path.join(second, "eval")))  # each claim evaluates with its own metrics
    index = [f for f in os.listdir(first) if f.startswith("ckpt-") and f.endswith(".index")][0]
    self.assertEqual(os.stat(os.path.join(first, index)).st_ino, os.stat(os.path.join(second, index)).st_ino)
    self.assertNotEqual(os.stat(os.path.join(first, "TRAIN_DONE")).st_ino,
                        os.stat(os.path.join(second, "TRAIN_DONE")).st_ino)
    self.assertEqual(runner.run_dir.done_steps(second), 4)
    # Other steps, or no checkpoints on disk, are not the same finished run.
    digest, other = runner.identity.recorded(first), os.path.join(out, "runs", "claim_c", "ring", "kplus1", "seed0")
    self.assertEqual(runner.identity.find_same(out, other, digest, 4, lambda d: True), first)
    self.assertIsNone(runner.identity.find_same(out, other, digest, 6, lambda d: True))
    self.assertIsNone(runner.identity.find_same(out, other, digest, 4, lambda d: False))
    # The arm's recipe changed (here: claim_a's folder was trained by the binary arm): set aside, trained again.
    moved, seconds = self._train(out, "claim_a", dataclasses.replace(binary, name="kplus1"), log)
    self.assertGreater(seconds, 0.0)
    self.assertIn(f"{moved}: trained with another recipe (its gin files have changed since): moved to "
                  f"{moved}.other-recipe", "\n".join(log))
    self.assertEqual(runner.identity.recorded(moved + ".other-recipe"), runner.identity.recorded(second))
    self.assertNotEqual(runner.identity.recorded(moved), runner.identity.recorded(second))


_DRIVER = """
import contextlib, io, json, os, sys
from absl import flags
from tfgan_mh.reproduce import __main__ as reproduce
results = []
for args, cwd in json.loads(sys.argv[1]):
  os.chdir(cwd)
  flags.FLAGS.unparse_flags()
  err, code = io.StringIO(), 0
  with contextlib.redirect_stderr(err):
    try:
      reproduce.main(flags.FLAGS(["tfgan-reproduce", *args]))
    except SystemExit as e:
      code = e.code
  results.append([code, err.getvalue()])
print(json.dumps(results))
"""


def _main_in_one_process(cases):
  """[(exit code, stderr)] of `tfgan-reproduce ARGS` run from CWD, for each (ARGS, CWD) of `cases`: its `main`
  after absl's flag parsing, every case in one Python process (one TensorFlow import, not one per case)."""
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join(
      p for p in (REPO, os.environ.get("PYTHONPATH")) if p))
  proc = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(cases)], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return json.loads(proc.stdout.strip().splitlines()[-1])


class ErrorsTest(tf.test.TestCase):

  def test_bad_claim_seeds_steps_and_data_dir_are_one_line_errors_from_any_folder(self):
    out = self.create_tempdir().full_path
    empty = self.create_tempdir().full_path
    cases = []
    for args, cwd, message in [
        (["magan2", f"--out={out}/a"], REPO, "error: unknown claim 'magan2': expected one of mhgan, mode_gan, "
                                            "magan, aam, amgan, peers, mhshared_switch, toolkit, aam_translation, "
                                            "comma-separated claims, or all"),
        (["magan,mhgan,magan", f"--out={out}/j"], REPO, "error: claim repeated in 'magan,mhgan,magan': expected "
                                                        "one of mhgan, "),
        (["magan", "--seeds=a,b", f"--out={out}/b"], REPO, "error: --seeds='a,b': expected non-negative ints "
                                                          "such as 0,1,2"),
        (["magan", "--stop_within=-5", f"--out={out}/k"], REPO, "error: --stop_within=-5.0: expected minutes >= 0 "
                                                               "(0: no limit)"),
        (["magan", "--threads=-1", f"--out={out}/l"], REPO, "error: --threads=-1: expected a thread count >= 0 "
                                                           "(0: TF's default)"),
        (["magan", "--steps=0", f"--out={out}/c"], out, "error: --steps=0: expected a positive int"),
        (["magan", "--seeds=0,1,0", f"--out={out}/f"], REPO, "error: --seeds='0,1,0': seed 0 is repeated; "
                                                             "expected distinct seeds such as 0,1,2"),
        (["mhgan", "--arms=hinge,nope", f"--out={out}/g"], REPO, "error: --arms='hinge,nope': expected arms of "
                                                                  "mhgan such as hinge,mhgan,acgan"),
        (["mhgan", "--datasets=cifar10", f"--out={out}/i"], REPO, "error: --datasets='cifar10': expected "
                                                                   "datasets of mhgan such as mnist,fashion_mnist"),
        (["mhshared_switch", "--arms=switched", "--smoke", f"--out={out}/h"], REPO,
         "error: --arms: arm 'switched' continues arm 'hinge_base', which is not trained to 4 steps under "
         f"{out}/h (mnist, seed 0): add it to --arms"),
        (["magan", "--smoke", f"--out={out}/d", f"--data_dir={out}/nope"], out,
         f"error: --data_dir='{out}/nope' is not a directory: expected a folder with mnist/ and fashion_mnist/ "
         "idx folders, or no --data_dir to read TFDS"),
        (["mode_gan", "--smoke", f"--out={out}/e", f"--data_dir={empty}"], REPO,
         f"error: --data_dir='{empty}' has no mnist/ folder: expected mnist/ with the mnist idx files "
         "(train-images-idx3-ubyte, "),
    ]:
      cases.append((args, cwd, message))
    first = _reproduce(*cases[0][0], cwd=cases[0][1])  # the console script itself, exit status and all
    self.assertEqual(first.returncode, 1)
    self.assertTrue(first.stderr.strip().splitlines()[-1].startswith(cases[0][2]), first.stderr)
    for (args, _, message), (code, stderr) in zip(cases, _main_in_one_process([(a, c) for a, c, _ in cases])):
      self.assertEqual(code, 1, args)
      lines = stderr.strip().splitlines()
      self.assertTrue(lines and lines[-1].startswith(message), (args, lines[-1:]))
    self.assertEqual(sorted(os.listdir(out)), [])  # nothing written
    self.assertEqual(sorted(os.listdir(empty)), [])

  def test_a_run_finished_at_more_steps_than_asked_is_refused_before_any_work(self):
    out = self.create_tempdir().full_path
    model_dir = os.path.join(out, "runs", "mode_gan", "ring", "kplus1", "seed1")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "TRAIN_DONE"), "w") as f:
      f.write("10\n")
    with self.assertRaisesRegex(ValueError, rf"^--steps=4: {model_dir} finished at 10 steps, more than asked \(a run "
                                            r"is not cut back\): ask for --steps 10 or more, or give another --out$"):
      runner.run_claim(claims.CLAIMS["mode_gan"], out=out, seeds=[0, 1], steps=4, smoke=True, log=[].append)
    self.assertEqual(os.listdir(out), ["runs"])  # nothing trained, nothing written
    self.assertEqual(os.listdir(model_dir), ["TRAIN_DONE"])

  def test_a_longer_run_of_another_recipe_is_not_refused_it_will_be_set_aside(self):
    out = self.create_tempdir().full_path
    claim = claims.CLAIMS["mode_gan"]
    model_dir = os.path.join(out, "runs", "mode_gan", "ring", "kplus1", "seed0")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "TRAIN_DONE"), "w") as f:
      f.write("10\n")
    runner.identity.record(model_dir, "0" * 64)  # trained with a recipe since changed
    runner._check_not_longer(claim, claim.arms, out, [0], 4, smoke=True)  # no error
    recipe = runner._recipe(claim.arms[1], seed=0, smoke=True, init_from=None)
    runner.identity.record(model_dir, runner.identity.fingerprint(claim.arms[1].gin_files, recipe))
    with self.assertRaisesRegex(ValueError, r"^--steps=4: .*seed0 finished at 10 steps, more than asked"):
      runner._check_not_longer(claim, claim.arms, out, [0], 4, smoke=True)

  def test_smoke_and_full_runs_never_share_a_folder_and_a_run_directory_is_refused(self):
    from tfgan_mh.reproduce import runner  # pylint: disable=g-import-not-at-top
    out = self.create_tempdir().full_path
    runner.claim_out(os.path.join(out, "r"), smoke=True)
    runner.claim_out(os.path.join(out, "r"), smoke=True)  # the same kind again: fine
    with self.assertRaisesRegex(ValueError, r"^--out='.*/r' holds smoke runs and this is a full reproduction: pass "
                                            r"another --out \(default: runs/reproduce\)$"):
      runner.claim_out(os.path.join(out, "r"), smoke=False)
    os.makedirs(os.path.join(out, "run"))
    with open(os.path.join(out, "run", "run_info.json"), "w") as f:
      f.write("{}")
    proc = _reproduce("mode_gan", f"--out={out}/run", cwd=out)
    self.assertEqual(proc.returncode, 1)
    self.assertEqual(proc.stderr.strip().splitlines()[-1],
                     f"error: --out='{out}/run' is a training run's directory (it has run_info.json): pass a folder "
                     "of its own, e.g. runs/reproduce")
    self.assertEqual(sorted(os.listdir(os.path.join(out, "run"))), ["run_info.json"])  # nothing written there


class DataDirTest(tf.test.TestCase):

  def _idx_folder(self, root, name, stems=("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
    os.makedirs(os.path.join(root, name))
    for stem in stems:
      open(os.path.join(root, name, stem + ".gz"), "w").close()

  def test_the_folders_each_claim_reads_are_checked_first(self):
    from tfgan_mh.reproduce import runner  # pylint: disable=g-import-not-at-top
    root = self.create_tempdir().full_path
    self._idx_folder(root, "mnist")
    runner.check_data_dir(root, [claims.CLAIMS["magan"], claims.CLAIMS["mode_gan"]])  # MNIST only: fine
    with self.assertRaisesRegex(ValueError, f"^--data_dir='{root}' has no fashion_mnist/ folder: expected "
                                            "fashion_mnist/ with the fashion_mnist idx files"):
      runner.check_data_dir(root, [claims.CLAIMS["mhgan"]])
    self._idx_folder(root, "fashion_mnist", stems=("train-images-idx3-ubyte", "train-labels-idx1-ubyte"))
    with self.assertRaisesRegex(ValueError, r"^no idx file t10k-images-idx3-ubyte\[\.gz\] in .*fashion_mnist"):
      runner.check_data_dir(root, [claims.CLAIMS["mhgan"]])

  def test_the_data_location_is_decided_at_run_time(self):
    self.assertEqual(claims.MNIST.params(None), ("build_source.name = 'mnist'",))  # TFDS
    self.assertEqual(claims.FASHION.params("/data"), ("build_source.name = 'fashion_mnist'",
                                                      "build_source.path = '/data/fashion_mnist'"))
    self.assertEqual(claims.MNIST.source_kwargs("/data"), dict(name="mnist", path="/data/mnist"))
    self.assertEqual(claims.RING.params("/data"), ())


class JudgeTest(tf.test.TestCase):

  def _table(self, a, b):
    return {"d/x": {"m": {"mean": a[0], "std": a[1], "n": 2}}, "d/y": {"m": {"mean": b[0], "std": b[1], "n": 2}}}

  def test_direction_and_seed_noise(self):
    up = claims.Expect("m", "x", ">", "y", "")
    self.assertTrue(report.judge(up, self._table((2.0, 0.1), (1.0, 0.2)), "d")["holds"])
    self.assertIsNone(report.judge(up, self._table((1.1, 0.1), (1.0, 0.2)), "d")["holds"])  # within noise
    self.assertFalse(report.judge(up, self._table((0.5, 0.1), (1.0, 0.2)), "d")["holds"])
    down = claims.Expect("m", "x", "<", "y", "")
    self.assertTrue(report.judge(down, self._table((0.5, 0.1), (1.0, 0.2)), "d")["holds"])
    about = claims.Expect("m", "x", "~", "y", "")  # at most twice the noise floor plus seed noise
    self.assertTrue(report.judge(about, self._table((0.21, 0.01), (0.1, 0.02)), "d")["holds"])
    self.assertFalse(report.judge(about, self._table((0.5, 0.01), (0.1, 0.02)), "d")["holds"])
    missing = report.judge(up, {"d/x": {"m": {"mean": None}}, "d/y": {"m": {"mean": 1.0}}}, "d")
    self.assertIsNone(missing["holds"])


class ReportTest(tf.test.TestCase):

  def _rows(self, claim, dataset):
    """Hand-made rows: 3 seeds per arm, one metric per claim key, constant curves (flat) over 3 checkpoints."""
    rows = []
    for i, arm in enumerate(claim.arms):
      for seed in range(3):
        values = {k: 1.0 + i + 0.01 * seed for k, _ in claim.metrics}
        rows.append(dict(dataset=dataset, arm=arm.name, seed=seed, values=values, timing=[], step=30, timing_start=0,
                         curve=[[step, dict(values)] for step in (10, 20, 30)]))
    return rows

  def test_the_header_sums_the_runs_recorded_training_time(self):
    claim = claims.CLAIMS["aam"]
    claim = dataclasses.replace(claim, datasets=claim.datasets[:1])
    rows = self._rows(claim, "mnist")
    for row in rows:  # 60 s for steps 0-20, 30 s for 20-30 (a resumed run)
      row["timing"] = [{"from": 0, "to": 20, "seconds": 60.0}, {"from": 20, "to": 30, "seconds": 30.0}]
    rows[0]["timing"] = rows[0]["timing"][1:]  # its first call predates the timing record
    result = report.summarise(claim, rows, extras={}, seeds=[0, 1, 2], steps=30, smoke=False, seconds=1.0)
    self.assertLen(rows, 9)  # 3 arms x 3 seeds: (8 x 90 s + 30 s) / 60 = 12.5 min
    self.assertIn("the runs' recorded training time 12.5 min summed (steps no call timed in 1 of 9 runs)",
                  report.markdown(claim, result))

  def _switch_result(self):
    """mhshared_switch's 3 seeds: hinge_base to step 30, switched and continued 30 steps more, the cGAN to 60."""
    claim = claims.CLAIMS["mhshared_switch"]
    base = [{"from": 0, "to": 30, "seconds": 60.0}]
    own = {"hinge_base": base, "switched": [{"from": 30, "to": 60, "seconds": 30.0}],
           "continued": [{"from": 30, "to": 60, "seconds": 60.0}],
           "tutorial_cgan": [{"from": 0, "to": 60, "seconds": 100.0}]}
    rows = self._rows(claim, "mnist")
    for row in rows:
      continues = row["arm"] in ("switched", "continued")
      steps = (40, 50, 60) if continues else ((10, 20, 30) if row["arm"] == "hinge_base" else (20, 40, 60))
      row.update(timing=own[row["arm"]], timing_start=30 if continues else 0, base_timing=base if continues else [],
                 curve=[[s, dict(row["values"])] for s in steps], step=steps[-1])
    return claim, report.summarise(claim, rows, extras={}, seeds=[0, 1, 2], steps=30, smoke=False, seconds=1.0)

  def test_equal_time_counts_a_continued_arm_from_step_0_and_leaves_out_its_base(self):
    claim, result = self._switch_result()
    point = result["equal_time"]["mnist/classifier_is_mean"]
    self.assertEqual(point["seconds"], 90.0)  # switched's 60 + 30; continued reached 120, the cGAN 100
    self.assertEqual({a: p["step"] for a, p in point["arms"].items()},
                     {"switched": 60, "continued": 40, "tutorial_cgan": 40})  # continued: 80 s at 40, 100 at 50
    text = report.markdown(claim, result)
    self.assertIn("| dataset / metric | seconds | switched | continued | tutorial_cgan |", text)
    self.assertIn("not compared: hinge_base, the first part of the arms that continue it", text)

  def test_a_continued_arms_line_starts_at_its_bases_last_point(self):
    claim, result = self._switch_result()
    fig = report.curves_figure(claim, result)
    steps = {line.get_label(): list(line.get_xdata()) for line in fig.axes[0].lines}
    self.assertEqual(steps, {"hinge_base (3 seeds)": [10, 20, 30], "switched (3 seeds)": [30, 40, 50, 60],
                             "continued (3 seeds)": [30, 40, 50, 60], "tutorial_cgan (3 seeds)": [20, 40, 60]})

  def test_the_command_names_the_datasets_a_partial_run_chose(self):
    full = claims.CLAIMS["mhgan"]
    mnist_only = dataclasses.replace(full, datasets=full.datasets[:1])
    result = report.summarise(mnist_only, self._rows(mnist_only, "mnist"), extras={}, seeds=[0, 1, 2], steps=30,
                              smoke=False, seconds=1.0)
    self.assertEqual(result["datasets"], ["mnist"])
    self.assertIn("Command: `python -m tfgan_mh.reproduce mhgan --seeds 0,1,2 --steps 30 --datasets mnist`",
                  report.markdown(mnist_only, result))
    rows = self._rows(full, "mnist") + self._rows(full, "fashion_mnist")
    result = report.summarise(full, rows, extras={}, seeds=[0, 1, 2], steps=30, smoke=False, seconds=1.0)
    self.assertIn("Command: `python -m tfgan_mh.reproduce mhgan --seeds 0,1,2 --steps 30`",
                  report.markdown(full, result))

  def test_the_header_names_the_claims_recipe(self):
    mhgan = claims.CLAIMS["mhgan"]
    result = report.summarise(mhgan, self._rows(mhgan, "mnist") + self._rows(mhgan, "fashion_mnist"), extras={},
                              seeds=[0, 1, 2], steps=30, smoke=False, seconds=1.0)
    self.assertIn("\n\nEvery arm trains with `optimization.anneal_from = 0.5` (the claim's recipe). Seeds 0, 1, 2;",
                  report.markdown(mhgan, result))
    aam = claims.CLAIMS["aam"]
    result = report.summarise(aam, self._rows(aam, "mnist"), extras={}, seeds=[0, 1, 2], steps=30, smoke=False,
                              seconds=1.0)
    self.assertIn("\n\nSeeds 0, 1, 2;", report.markdown(aam, result))


class CurvesTest(tf.test.TestCase):
  """The learning-curve rules on hand-made curves."""

  def _runs(self, *curves_by_seed, timing=None):
    return [{"curve": [[s, {"m": v}] for s, v in c], "timing": timing or []} for c in curves_by_seed]

  def test_seed_mean_and_std_at_the_steps_every_seed_reached(self):
    runs = self._runs([(10, 1.0), (20, 2.0), (30, 3.0)], [(10, 3.0), (20, 4.0)])
    pts = curves.arm_curve(runs, "m")
    self.assertEqual([p["step"] for p in pts], [10, 20])  # step 30: one seed only
    self.assertAllClose([p["mean"] for p in pts], [2.0, 3.0])
    self.assertAllClose([p["std"] for p in pts], [2 ** 0.5, 2 ** 0.5])  # ddof 1
    self.assertEqual(curves.arm_curve(runs, "other"), [])

  def test_a_cell_writes_mean_and_std_or_the_one_value_or_a_dash(self):
    self.assertEqual(curves.cell(curves.stats([1.0, 2.0, float("nan")])), "1.5 ± 0.71")  # std of 1, 2: 0.7071
    self.assertEqual(curves.cell(curves.stats([0.12345, 0.5]), ".3f", ".3f"), "0.312 ± 0.266")
    self.assertEqual(curves.cell(curves.stats([12.3456])), "12.35")
    self.assertEqual(curves.cell(curves.stats([])), "—")
    self.assertEqual(curves.cell(None), "—")

  def test_flattened_when_the_last_three_means_move_less_than_the_seed_std(self):
    def pts(means, std, n=3):
      return [dict(step=10 * (i + 1), mean=m, std=std, n=n) for i, m in enumerate(means)]
    self.assertEqual(curves.flattened(pts([0.1, 0.5, 0.80, 0.84, 0.81], 0.05)),
                     (True, "flat: moved 0.01 over steps 30-50, seed std 0.05"))  # net 0.01 <= 0.05
    self.assertEqual(curves.flattened(pts([0.1, 0.5, 0.80, 0.90, 0.82], 0.05)),  # a swing that comes back
                     (True, "flat: moved 0.02 over steps 30-50 (swung 0.1 within), seed std 0.05"))
    state, why = curves.flattened(pts([0.1, 0.5, 0.70, 0.80, 0.90], 0.05))  # moved 0.2 > 0.05
    self.assertFalse(state)
    self.assertEqual(why, "still moving: 0.2 over steps 30-50 > seed std 0.05")
    self.assertFalse(curves.flattened(pts([0.80, 0.80, 0.74], 0.05))[0])  # a last step beyond the noise: moving
    self.assertFalse(curves.flattened(pts([0.8, 0.8], 0.05))[0])  # too few checkpoints
    self.assertIsNone(curves.flattened(pts([0.8, 0.8, 0.8], 0.0, n=1))[0])  # one seed: cannot say

  def test_the_rule_rarely_calls_a_flat_curve_moving_and_catches_a_trend(self):
    """Monte Carlo of the docstring's figures: 3 seeds x 3 checkpoints of unit noise (each seed's values
    independent from checkpoint to checkpoint), with no trend and with a trend of one seed std per checkpoint."""
    rng = np.random.default_rng(0)

    def moving_rate(slope, trials=4000):
      values = rng.standard_normal((trials, 3, 3)) + slope * np.arange(3)[None, :, None]  # trial, step, seed
      return np.mean([curves.flattened([dict(step=s, **curves.stats(list(v[s]))) for s in range(3)])[0]
                      is False for v in values])
    flat, trend = moving_rate(0.0), moving_rate(1.0)
    self.assertBetween(flat, 0.26, 0.34)  # the range rule: 0.53
    self.assertBetween(trend, 0.87, 0.93)

  def test_seconds_are_interpolated_within_each_training_call(self):
    segments = [{"from": 0, "to": 100, "seconds": 50.0}, {"from": 100, "to": 300, "seconds": 40.0}]
    self.assertAllClose([curves.seconds_at(segments, s) for s in (0, 50, 100, 200, 300)], [0, 25, 50, 70, 90])
    self.assertIsNone(curves.seconds_at(segments, 301))
    # Untimed steps make every later time unknown, never a smaller number: a gap between calls, or (given the
    # run's first step) steps before its first recorded call.
    gap = [{"from": 0, "to": 100, "seconds": 50.0}, {"from": 150, "to": 300, "seconds": 40.0}]
    self.assertAllClose(curves.seconds_at(gap, 100), 50.0)
    self.assertIsNone(curves.seconds_at(gap, 200))
    late = [{"from": 4100, "to": 15000, "seconds": 6538.6}]
    self.assertIsNone(curves.seconds_at(late, 15000, start=0))
    self.assertAllClose(curves.seconds_at(late, 15000, start=4100), 6538.6)  # a run continuing one of 4100 steps
    self.assertAllClose(curves.seconds_at(late, 15000), 6538.6)  # rows written before timing_start existed
    d = self.create_tempdir().full_path
    curves.add_timing(d, 0, 100, 50.0)
    curves.add_timing(d, 100, 300, 40.0)
    self.assertEqual(curves.read_timing(d), segments)

  def test_a_continued_run_counts_the_seconds_of_the_run_it_continues(self):
    base = [{"from": 0, "to": 100, "seconds": 50.0}]
    run = dict(timing=[{"from": 100, "to": 200, "seconds": 30.0}], timing_start=100, base_timing=base)
    self.assertAllClose([curves.run_seconds(run, s) for s in (150, 200)], [65.0, 80.0])
    self.assertIsNone(curves.run_seconds(dict(run, base_timing=[]), 200))  # an untimed base: unknown, not 30
    later = base + [{"from": 100, "to": 300, "seconds": 99.0}]  # the base extended after this run left it at 100
    self.assertAllClose(curves.run_seconds(dict(run, base_timing=later), 200), 80.0)
    scratch = dict(timing=base, timing_start=0, base_timing=[])
    self.assertAllClose(curves.run_seconds(scratch, 100), 50.0)
    old_row = dict(timing=run["timing"], timing_start=100)  # written before base_timing existed: its own calls
    self.assertAllClose(curves.run_seconds(old_row, 200), 30.0)

  def test_arms_are_compared_at_the_time_the_slowest_reached(self):
    fast = [dict(step=s, mean=float(s), std=0.0, n=2, seconds=s / 2) for s in (100, 200, 300, 400)]
    slow = [dict(step=s, mean=float(s), std=0.0, n=2, seconds=float(s)) for s in (100, 200)]
    point = curves.at_equal_time({"fast": fast, "slow": slow})
    self.assertEqual(point["seconds"], 200.0)
    self.assertEqual(point["arms"]["fast"]["step"], 400)
    self.assertEqual(point["arms"]["slow"]["step"], 200)
    self.assertIsNone(curves.at_equal_time({"fast": fast, "untimed": [dict(slow[0], seconds=None)]}))

  def test_a_check_on_a_moving_curve_is_not_converged_never_a_failure(self):
    up = claims.Expect("m", "x", ">", "y", "")
    table = {"d/x": {"m": {"mean": 0.5, "std": 0.01, "n": 3}}, "d/y": {"m": {"mean": 1.0, "std": 0.01, "n": 3}}}
    still = {"d/x": {"m": {"flat": False, "why": "still moving"}}, "d/y": {"m": {"flat": True, "why": "flat"}}}
    check = report.judge(up, table, "d", flat=still, steps=5000)
    self.assertIsNone(check["holds"])
    self.assertFalse(check["converged"])
    self.assertIn("not converged at 5000 steps: x still moving", check["detail"])
    flat = {"d/x": {"m": {"flat": True, "why": "flat"}}, "d/y": {"m": {"flat": True, "why": "flat"}}}
    self.assertFalse(report.judge(up, table, "d", flat=flat, steps=5000)["holds"])  # flat: a real failure
    self.assertEqual(report._verdict([check], [0, 1, 2], 5000)[0], "not converged at 5000 steps")
    failed = report.judge(up, table, "d", flat=flat, steps=5000)
    self.assertEqual(report._verdict([check, failed], [0, 1, 2], 5000)[0], "not reproduced")
    self.assertEqual(report._verdict([check], [0], 5000)[0], "inconclusive")  # one seed
    end_point = report.judge(up, table, "d", flat={"d/x": {}, "d/y": {}}, steps=5000)
    self.assertIn("end point only (no learning curve)", end_point["detail"])
    self.assertIsNone(end_point["converged"])

  def test_arms_drawing_apart_are_decided_while_one_still_moves(self):
    pts = lambda means: [dict(step=1000 * (i + 1), mean=m, std=0.001, n=3) for i, m in enumerate(means)]
    self.assertEqual([curves.trend(pts(m)) for m in ([0.1, 0.98, 0.99, 0.997], [5.0, 4.0, 3.5], [1, 2, 1.5], [2, 2])],
                     [1, -1, 0, 0])
    up = claims.Expect("m", "x", ">", "y", "")
    table = {"d/x": {"m": {"mean": 0.10, "std": 0.003, "n": 3}}, "d/y": {"m": {"mean": 0.997, "std": 0.002, "n": 3}}}

    def states(y_flat, y_trend, x_flat=True, x_trend=0):
      return {"d/x": {"m": {"flat": x_flat, "why": "x why", "trend": x_trend}},
              "d/y": {"m": {"flat": y_flat, "why": "still moving: 0.007", "trend": y_trend}}}

    apart = report.judge(up, table, "d", flat=states(False, 1), steps=10000)  # y climbs away from a flat x
    self.assertEqual((apart["holds"], apart["converged"]), (False, True))
    self.assertIn("decided while y still moving: 0.007: every moving curve draws away", apart["detail"])
    self.assertEqual(report._verdict([apart], [0, 1, 2], 10000)[0], "not reproduced")
    for flat in (states(False, -1), states(False, 0), states(False, 1, x_flat=False, x_trend=1)):  # may close
      check = report.judge(up, table, "d", flat=flat, steps=10000)
      self.assertEqual((check["holds"], check["converged"]), (None, False))
    ahead = {"d/x": table["d/y"], "d/y": table["d/x"]}  # x ahead, x still rising away: holds, decided
    check = report.judge(up, ahead, "d", flat=states(True, 0, x_flat=False, x_trend=1), steps=10000)
    self.assertEqual((check["holds"], check["converged"]), (True, True))
    close = {"d/x": {"m": {"mean": 0.996, "std": 0.003, "n": 3}}, "d/y": table["d/y"]}  # within noise: undecided
    self.assertEqual(report.judge(up, close, "d", flat=states(False, 1), steps=10000)["converged"], False)

  def test_the_figure_has_a_panel_per_dataset_and_metric_with_one_line_per_arm(self):
    pts = [dict(step=s, mean=1.0 / s, std=0.01, n=3) for s in (100, 200, 300)]
    fig = curves.figure("mhgan: MHGAN vs hinge", {("mnist", "fid"): {"hinge": pts, "mhgan": pts},
                                                 ("fashion_mnist", "fid"): {"hinge": pts}}, {"fid": "FID"})
    axes = fig.get_axes()
    self.assertEqual([ax.get_title() for ax in axes], ["mnist: FID", "fashion_mnist: FID"])
    self.assertEqual([t.get_text() for t in axes[0].get_legend().get_texts()], ["hinge (3 seeds)", "mhgan (3 seeds)"])
    self.assertEqual(axes[0].get_xlabel(), "generator steps")
    self.assertIn("seed mean", fig._suptitle.get_text())
    self.assertEqual([ax.get_yscale() for ax in axes], ["linear", "linear"])  # 0.01 .. 0.0033: not a decade

  def test_a_curve_spanning_more_than_a_decade_is_drawn_on_a_log_axis(self):
    def pts(*means):
      return [dict(step=100 * (i + 1), mean=m, std=0.1, n=3) for i, m in enumerate(means)]
    fig = curves.figure("t", {("d", "fid"): {"a": pts(200.0, 30.0, 4.0), "b": pts(150.0, 20.0, 3.0)},
                              ("d", "is"): {"a": pts(5.0, 9.0, 9.8)},
                              ("d", "margin"): {"a": pts(-1.0, 20.0, 30.0)}}, {"fid": "FID", "is": "IS"})
    self.assertEqual([ax.get_yscale() for ax in fig.get_axes()], ["log", "linear", "linear"])  # margin: not > 0
    self.assertEqual([ax.get_ylabel() for ax in fig.get_axes()], ["FID (log scale)", "IS", "margin"])
    fig = curves.figure("t", {("d", "am"): {"a": pts(0.7, 0.2, 0.03)}}, {})
    backend_agg.FigureCanvasAgg(fig).draw()  # ticks are labelled at draw time
    ax = fig.get_axes()[0]
    self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["0.01", "0.1", "1"])  # plain, not 10^-2
    self.assertEqual([t.get_text() for t in ax.get_yticklabels(minor=True)][:4], ["0.02", "0.03", "0.04", ""])


class MarginHistoryTest(tf.test.TestCase):

  def test_reads_the_margin_summaries_in_step_order(self):
    from tfgan_mh.reproduce import extras  # pylint: disable=g-import-not-at-top
    d = self.create_tempdir().full_path
    self.assertEqual(extras.margin_history(d), [])  # no event file yet
    writer = tf.summary.create_file_writer(d)
    with writer.as_default():
      for step, margin in ((20, 0.5), (10, 0.75), (30, 0.25)):
        tf.summary.scalar("magan/margin", margin, step=step)
        tf.summary.scalar("d/loss", 9.0, step=step)
    writer.close()
    self.assertAllClose(extras.margin_history(d), [0.75, 0.5, 0.25])

  def test_a_finished_runs_margins_are_kept_for_a_clone_without_its_event_files(self):
    from tfgan_mh.reproduce import extras  # pylint: disable=g-import-not-at-top
    d = self.create_tempdir().full_path
    writer = tf.summary.create_file_writer(d)
    with writer.as_default():
      for step, margin in ((10, 0.75), (20, 0.5)):
        tf.summary.scalar("magan/margin", margin, step=step)
    writer.close()
    def finish(steps):
      with open(os.path.join(d, "TRAIN_DONE"), "w") as f:
        f.write(str(steps))
    self.assertAllClose(extras.kept_margins(d), [0.75, 0.5])  # unfinished: read, not kept
    self.assertFalse(os.path.exists(os.path.join(d, extras.MARGIN_FILE)))
    finish(20)
    self.assertAllClose(extras.kept_margins(d), [0.75, 0.5])
    for name in os.listdir(d):  # what a clone lacks
      if name.startswith("events.out"):
        os.remove(os.path.join(d, name))
    self.assertEqual(extras.margin_history(d), [])
    self.assertAllClose(extras.kept_margins(d), [0.75, 0.5])
    self.assertEqual(extras.MAGAN.run_values(d)["margin_last"], 0.5)
    finish(30)  # the run went on: the record of 20 steps is not its margins at 30
    self.assertEqual(extras.kept_margins(d), [])


class ExtrasTest(tf.test.TestCase):
  """A claim's own additions reach its rows, its table and its real-data row through `Claim.extras` alone."""

  def test_run_values_and_real_data_come_from_the_claim(self):
    from tfgan_mh.reproduce import extras  # pylint: disable=g-import-not-at-top
    seen = []
    own = extras.Extras(run_values=lambda d: {"steps_seen": 7.0, "kept_only": [1, 2]},
                        real_data=lambda *args: seen.append(args) or {"ring_modes_covered": 10})
    mode_gan = claims.CLAIMS["mode_gan"]
    claim = dataclasses.replace(mode_gan, name="renamed", extras=own,
                                metrics=mode_gan.metrics + (("steps_seen", "steps seen"),))
    d = self.create_tempdir().full_path
    record = dict(step=30, ring_modes_covered=9.0)
    row = runner._row(claim, claims.RING, claim.arms[0], 0, d, 1.0, [record], None)
    self.assertEqual((row["values"]["steps_seen"], row["values"]["kept_only"]), (7.0, [1, 2]))
    self.assertEqual(runner._real_reference(claim, d, False, print, None), {"real data": {"ring_modes_covered": 10}})
    self.assertEqual(seen, [(claims.RING, None, None, None)])  # point data: no classifier; not smoke: whole split
    result = report.summarise(claim, [row], extras={}, seeds=[0], steps=30, smoke=False, seconds=1.0,
                              arms=[claim.arms[0].name])
    self.assertEqual(result["table"]["ring/binary"]["steps_seen"]["mean"], 7.0)
    self.assertNotIn("kept_only", result["table"]["ring/binary"])
    plain = dataclasses.replace(claim, extras=extras.NONE)
    plain_values = runner._row(plain, claims.RING, claim.arms[0], 0, d, 1.0, [record], None)["values"]
    self.assertIsNone(plain_values["steps_seen"])  # listed, but nothing supplies it
    self.assertNotIn("kept_only", plain_values)
    self.assertEqual(runner._real_reference(plain, d, False, print, None), {})


class DistanceToBinaryTest(tf.test.TestCase):

  def test_kept_distances_rebuild_the_check_without_checkpoints(self):
    root = self.create_tempdir().full_path
    seed_dirs = {s: {a: os.path.join(root, a, f"seed{s}") for a in ("binary", "kplus1")} for s in (0, 1)}
    for dirs in seed_dirs.values():
      for d in dirs.values():
        os.makedirs(d)
        with open(os.path.join(d, "TRAIN_DONE"), "w") as f:
          f.write("10000\n")
    b0, b1, k0, k1 = seed_dirs[0]["binary"], seed_dirs[1]["binary"], seed_dirs[0]["kplus1"], seed_dirs[1]["kplus1"]
    pairs = {b0: (b1, 0.002), b1: (b0, 0.003), k0: (b0, 0.001), k1: (b1, 0.004)}
    self.assertEqual(sorted(distance._pairs(seed_dirs)),
                     sorted((m, o) for m, (o, _) in pairs.items()))  # binary: the next seed's; others: their own seed's
    for model_dir, (other, value) in pairs.items():
      distance.keep_distance(model_dir, other, value)
    rows = [dict(model_dir=m, values={}) for m in pairs]
    distance.add_distance_to_binary(rows, seed_dirs)  # no checkpoint anywhere: only the kept values can serve
    self.assertEqual({r["model_dir"]: r["values"]["energy_distance_to_binary"] for r in rows},
                     {m: v for m, (_, v) in pairs.items()})
    with open(os.path.join(seed_dirs[1]["binary"], "TRAIN_DONE"), "w") as f:  # extended since: recomputed
      f.write("12000\n")
    self.assertIsNone(distance._kept_distance(seed_dirs[1]["kplus1"], seed_dirs[1]["binary"]))
    with self.assertRaisesRegex(ValueError, "has no run_info.json"):  # a value is missing: it loads the runs
      distance.add_distance_to_binary([dict(model_dir=m, values={}) for m in pairs], seed_dirs)

if __name__ == "__main__":
  tf.test.main()
