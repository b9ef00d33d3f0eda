"""Bad input and lost runs (issue 17): exit code, a one-line message naming the value, and every file that
existed before byte-identical after.

One tiny ring run (4 steps, checkpoints at 2 and 4) is trained once; every test works on a copy. The train
CLI runs in this process (`tfgan_mh.train.main`, its SystemExit and stderr captured); the export and
classifier CLIs, and the case whose old failure was TF warnings printed after the error at exit, run as
subprocesses.
"""

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from unittest import mock

import gin
import tensorflow as tf
from absl import flags

from tests import forkserver
from tfgan_mh.run import export
from tfgan_mh.cli import train as train_main
from tfgan_mh.evaluation import job
from tfgan_mh.evaluation import watcher
from tfgan_mh.run import restore
from tfgan_mh.run import run_dir
from tfgan_mh.training import step as step_lib

TINY = ["train.num_steps = 4", "train.global_batch_size = 16", "cadence.steps_per_loop = 2", "cadence.save_every = 2",
        "cadence.summary_every = 2", "cadence.image_every = 4", "cadence.log_every = 2",
        "ema.decay = None"]  # the default samples from an EMA G; these runs have none (a binding may add one)
RING_EVAL = dict(num_samples=100, batch_size=50, num_validation=200, best_metric="self_accuracy", metrics="default")


def snapshot(root):
  """{relative path: sha256} of every file under root."""
  out = {}
  for folder, _, files in os.walk(root):
    for name in files:
      path = os.path.join(folder, name)
      with open(path, "rb") as f:
        out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
  return out


@contextlib.contextmanager
def held_lock(path):
  """A lock file at `path` naming a live process of this host (yielded), as a running trainer or eval job's."""
  sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
  try:
    with open(path, "w") as f:
      json.dump(dict(host=socket.gethostname(), pid=sleeper.pid, started="earlier"), f)
    yield sleeper
  finally:
    sleeper.kill()
    sleeper.wait()


def train_cli(model_dir, *params):
  """(exit code, stderr) of `python -m tfgan_mh.train --model_dir=D --gin_param=...` (the ring default)."""
  gin.clear_config()
  flags.FLAGS.unparse_flags()
  flags.FLAGS(["train", f"--model_dir={model_dir}"] + [f"--gin_param={p}" for p in TINY + list(params)])
  err = io.StringIO()
  code = 0
  with contextlib.redirect_stderr(err):
    try:
      train_main.main(["train"])
    except SystemExit as e:
      code = e.code
  gin.clear_config()
  return code, err.getvalue()


def cli(module, *args):
  """(exit code, stderr) of `python -m module args` in a process of its own (tests/forkserver.py)."""
  proc = forkserver.run([sys.executable, "-m", module, *args], timeout=300)
  return proc.returncode, proc.stderr


class BadInputTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = os.path.join(tf.compat.v1.test.get_temp_dir(), "bad_input")
    shutil.rmtree(cls.root, ignore_errors=True)
    cls.run_path = os.path.join(cls.root, "run")
    code, err = train_cli(cls.run_path)
    assert code == 0, err

  def fresh(self):
    return shutil.copytree(self.run_path, os.path.join(self.create_tempdir().full_path, "run"))

  def assertOneLineError(self, code, err, *needles, last_line=True):
    self.assertEqual(code, 1, err)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    self.assertLen(errors, 1, err)
    if last_line:
      self.assertEqual(lines[-1], errors[0], err)
    for needle in needles:
      self.assertIn(needle, errors[0])

  # --- 1, 2: --overwrite never deletes a run ---------------------------------------------------------------

  def test_export_overwrite_refuses_the_run_directory(self):
    d = self.fresh()
    before = snapshot(d)
    code, err = cli("tfgan_mh.cli.export", f"--model_dir={d}", f"--out={d}", "--overwrite")
    self.assertOneLineError(code, err, f"export path={d!r} is the run directory")
    self.assertEqual(snapshot(d), before)

  def test_export_overwrite_refuses_a_parent_or_a_folder_holding_a_run(self):
    d = self.fresh()
    parent = os.path.dirname(d)
    loaded = restore.load_run(d, with_discriminator=False)
    before = snapshot(parent)
    with self.assertRaisesRegex(ValueError, "is a folder above the run directory"):
      export.export_generator(loaded, parent, overwrite=True)
    holder = self.create_tempdir().full_path  # an export's marker, but a run copied into it
    with open(os.path.join(holder, export.MARKER), "w") as f:
      f.write("{}")
    shutil.copytree(d, os.path.join(holder, "copied_run"))
    with self.assertRaisesRegex(ValueError, "holds a training run in"):
      export.export_generator(loaded, holder, overwrite=True)
    self.assertEqual(snapshot(parent), before)
    self.assertTrue(os.path.exists(os.path.join(holder, "copied_run", "ckpt-4.index")))
    # An earlier export is still replaced.
    out = os.path.join(self.create_tempdir().full_path, "g")
    export.export_generator(loaded, out)
    export.export_generator(loaded, out, overwrite=True)
    self.assertTrue(os.path.exists(os.path.join(out, export.MARKER)))

  def test_train_classifier_overwrite_refuses_a_run(self):
    d = self.fresh()
    before = snapshot(d)
    code, err = cli("tfgan_mh.cli.train_classifier", "--dataset=mnist_idx", "--path=/nonexistent", f"--out={d}",
                    "--overwrite")
    self.assertOneLineError(code, err, f"out={d!r} holds a training run")
    self.assertEqual(snapshot(d), before)

  # --- 3, 9: resuming from what is there -------------------------------------------------------------------

  def test_missing_checkpoint_file_resumes_from_the_highest_complete_checkpoint(self):
    d = self.fresh()
    os.remove(os.path.join(d, "checkpoint"))
    before = snapshot(d)
    with self.assertLogs("absl", "WARNING") as logs:
      code, err = train_cli(d, "train.num_steps = 6")
    self.assertEqual(code, 0, err)
    self.assertTrue(any("resuming from the highest complete one" in m for m in logs.output))
    after = snapshot(d)
    for name in ("ckpt-2.index", "ckpt-2.data-00000-of-00001", "ckpt-4.index", "ckpt-4.data-00000-of-00001"):
      self.assertEqual(after[name], before[name], name)  # not retrained from 0 over them
    self.assertEqual(tf.train.load_checkpoint(os.path.join(d, "ckpt-6")).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"),
                     6)

  def test_a_truncated_newest_checkpoint_is_moved_aside_and_the_run_resumes_from_the_last_good_one(self):
    d = self.fresh()
    data = os.path.join(d, "ckpt-4.data-00000-of-00001")
    with open(data, "r+b") as f:
      f.truncate(100)
    before = snapshot(d)
    with self.assertLogs("absl", "WARNING") as logs:
      code, err = train_cli(d, "train.num_steps = 6")
    self.assertEqual(code, 0, err)
    self.assertTrue(any(f"checkpoint {d}/ckpt-4 cannot be read" in m and f"moved to {d}/bad" in m
                        for m in logs.output), logs.output)
    after = snapshot(d)
    for name in ("ckpt-4.index", "ckpt-4.data-00000-of-00001"):  # kept for a post-mortem, byte for byte
      self.assertEqual(after[f"bad/{name}"], before[name], name)
    self.assertEqual(after["ckpt-2.index"], before["ckpt-2.index"])
    reader = tf.train.load_checkpoint(os.path.join(d, "ckpt-6"))
    self.assertEqual(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 6)
    self.assertEqual(sorted(n for n in after if n.startswith("ckpt-") and n.endswith(".index")),
                     ["ckpt-2.index", "ckpt-4.index", "ckpt-6.index"])  # ckpt-4 retrained from ckpt-2

  def test_resuming_with_another_global_batch_is_refused_unless_asked_for_and_then_recorded(self):
    d = self.fresh()  # trained 4 steps with global batch 16
    before = snapshot(d)
    code, err = train_cli(d, "train.num_steps = 6", "train.global_batch_size = 8")
    self.assertOneLineError(code, err, f"train.global_batch_size=8: {d} was trained with 16 up to step 4; resume "
                            "with 16, or set train.allow_batch_change=True to change it on purpose")
    self.assertEqual(snapshot(d), before)
    code, err = train_cli(d, "train.num_steps = 6", "train.global_batch_size = 8", "train.allow_batch_change = True")
    self.assertEqual(code, 0, err)
    info = restore.read_run_info(d)
    self.assertEqual((info["global_batch_size"], info["global_batch_history"]),
                     (8, [{"from_step": 0, "global_batch_size": 16}, {"from_step": 4, "global_batch_size": 8}]))
    code, err = train_cli(d, "train.num_steps = 8", "train.global_batch_size = 8")  # same batch again: no flag
    self.assertEqual(code, 0, err)
    self.assertLen(restore.read_run_info(d)["global_batch_history"], 2)

  def test_an_empty_first_checkpoint_is_no_dead_end(self):
    # SIGKILL during the first checkpoint write left a 0-byte ckpt-2.index: the restart starts from step 0.
    d = self.fresh()
    for name in os.listdir(d):
      if name.startswith("ckpt-4"):
        os.remove(os.path.join(d, name))
    open(os.path.join(d, "ckpt-2.index"), "w").close()
    os.remove(os.path.join(d, "checkpoint"))
    os.remove(os.path.join(d, "TRAIN_DONE"))  # the copied run had finished; the killed one had not
    with self.assertLogs("absl", "WARNING") as logs:
      code, err = train_cli(d)
    self.assertEqual(code, 0, err)
    self.assertTrue(any("ckpt-2 cannot be read" in m for m in logs.output), logs.output)
    self.assertEqual(os.path.getsize(os.path.join(d, "bad", "ckpt-2.index")), 0)
    for step in (2, 4):
      self.assertIsNone(run_dir.checkpoint_error(os.path.join(d, f"ckpt-{step}")))

  def test_sigterm_saves_a_checkpoint_and_exits_143_and_the_rerun_finishes(self):
    d = os.path.join(self.create_tempdir().full_path, "run")
    params = ("train.num_steps = 8", "cadence.steps_per_loop = 1", "cadence.save_every = 4", "cadence.log_every = 1",
              "cadence.summary_every = 1", "cadence.image_every = 8")
    original, calls = step_lib.GANTrainer.train_steps, []

    def interrupted(trainer, *args, **kwargs):  # SIGTERM arrives while the third call runs
      calls.append(1)
      if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGTERM)
      return original(trainer, *args, **kwargs)

    with mock.patch.object(step_lib.GANTrainer, "train_steps", interrupted):
      code, err = train_cli(d, *params)
    self.assertEqual(code, 128 + signal.SIGTERM, err)
    self.assertEqual(err.strip().splitlines()[-1],
                     f"stopped: stopped by SIGTERM at step 3 after saving {d}/ckpt-3: run the same command to resume")
    self.assertIsNone(run_dir.checkpoint_error(os.path.join(d, "ckpt-3")))
    self.assertFalse(os.path.exists(os.path.join(d, "TRAIN_DONE")))
    self.assertFalse(os.path.exists(os.path.join(d, run_dir.LOCK_FILE)))  # released
    self.assertIs(signal.getsignal(signal.SIGTERM), signal.SIG_DFL)  # the handler is gone with the trainer
    code, err = train_cli(d, *params)
    self.assertEqual(code, 0, err)
    for step in (3, 4, 8):
      self.assertIsNone(run_dir.checkpoint_error(os.path.join(d, f"ckpt-{step}")))
    with open(os.path.join(d, "TRAIN_DONE")) as f:
      self.assertEqual(f.read().strip(), "8")

  def test_eval_job_records_an_unreadable_checkpoint_and_goes_on(self):
    d = self.fresh()
    with open(os.path.join(d, "ckpt-2.data-00000-of-00001"), "r+b") as f:
      f.truncate(100)
    self.assertEqual(job.watch(d, job.EvalConfig(**RING_EVAL), poll_secs=1, timeout=30), "done")
    with open(os.path.join(d, "eval", "metrics.jsonl")) as f:
      records = [json.loads(line) for line in f]
    self.assertEqual([r["step"] for r in records], [2, 4])
    self.assertIn("Read less bytes than requested", records[0]["unreadable"])
    self.assertIn("self_accuracy", records[1])

  # --- 4: one trainer per model_dir ------------------------------------------------------------------------

  def test_a_second_trainer_is_refused_and_a_stale_lock_taken_over(self):
    d = self.fresh()
    with held_lock(os.path.join(d, run_dir.LOCK_FILE)) as sleeper:
      before = snapshot(d)
      code, err = train_cli(d, "train.num_steps = 6")
      self.assertOneLineError(code, err, f"in use by another trainer, pid {sleeper.pid}", run_dir.LOCK_FILE)
      self.assertEqual(snapshot(d), before)
    with self.assertLogs("absl", "WARNING") as logs:  # the holder is gone: its lock is taken over
      code, err = train_cli(d, "train.num_steps = 6")
    self.assertEqual(code, 0, err)
    self.assertTrue(any("stale lock" in m and str(sleeper.pid) in m for m in logs.output))
    self.assertFalse(os.path.exists(os.path.join(d, run_dir.LOCK_FILE)))  # released at the end

  def test_a_second_eval_job_on_one_run_is_refused(self):
    d = self.fresh()
    eval_dir = os.path.join(d, "eval")
    os.makedirs(eval_dir)
    with held_lock(os.path.join(eval_dir, run_dir.EVAL_LOCK_FILE)) as sleeper:
      before = snapshot(d)
      with self.assertRaisesRegex(ValueError, f"^{eval_dir} is in use by another eval job, pid {sleeper.pid} on "
                                              f"host .*: stop it first, or delete {eval_dir}/eval.lock if that "
                                              "eval job is gone$"):
        job.watch(d, job.EvalConfig(**RING_EVAL), once=True)
      self.assertEqual(snapshot(d), before)  # no record, no event file
    self.assertEqual(job.watch(d, job.EvalConfig(**RING_EVAL), once=True), "once")  # the holder is gone
    self.assertEqual(os.listdir(eval_dir).count(run_dir.EVAL_LOCK_FILE), 0)  # released at the end

  # --- 5: the eval job and a trainer that deletes checkpoints ---------------------------------------------

  def test_eval_job_keeps_following_a_trainer_that_deletes_checkpoints(self):
    d = self.fresh()
    os.remove(os.path.join(d, "TRAIN_DONE"))
    stash = shutil.copytree(d, os.path.join(self.create_tempdir().full_path, "stash"))
    original = restore.load_run
    step = [4]

    def trainer_outruns_the_job(model_dir, prefix, **kwargs):
      # Like cadence.max_to_keep=1 with fast saves: a new checkpoint arrives and deletes this one before it is read.
      if step[0] < 12:
        step[0] += 2
        for ext in (".index", ".data-00000-of-00001"):
          shutil.copy(os.path.join(stash, "ckpt-4" + ext), os.path.join(d, f"ckpt-{step[0]}{ext}"))
        for path in tf.io.gfile.glob(f"{d}/ckpt-*"):
          if not os.path.basename(path).startswith(f"ckpt-{step[0]}."):
            os.remove(path)
        with open(os.path.join(d, "checkpoint"), "w") as f:
          f.write(f'model_checkpoint_path: "ckpt-{step[0]}"\nall_model_checkpoint_paths: "ckpt-{step[0]}"\n')
        if step[0] == 12:
          with open(os.path.join(d, "TRAIN_DONE"), "w") as f:
            f.write("12\n")
      return original(model_dir, prefix, **kwargs)

    with mock.patch.object(watcher.restore, "load_run", trainer_outruns_the_job), \
        self.assertLogs("absl", "WARNING") as logs:
      # One new checkpoint per wake-up (1 s), each deleted before it is read: 4 wake-ups outlast the 1.5 s
      # timeout, which the job must not count while checkpoints keep arriving.
      result = job.watch(d, job.EvalConfig(**RING_EVAL), poll_secs=1, timeout=1.5)
    self.assertEqual(result, "done")
    self.assertTrue(any("deletes checkpoints faster than this job evaluates them" in m and "max_to_keep" in m
                        for m in logs.output), logs.output)
    with open(os.path.join(d, "eval", "metrics.jsonl")) as f:
      # Only the last checkpoint was left to read (a copy of step 4's weights written as ckpt-12).
      self.assertEqual([os.path.basename(json.loads(line)["checkpoint"]) for line in f], ["ckpt-12"])

  # --- 6, 7, 10, 11, 12: configuration errors --------------------------------------------------------------

  def test_configuration_errors_are_one_line_and_leave_nothing_behind(self):
    cases = [
        (["D/adam.learning_rate = 1e-3"], "--gin_param 'D/adam.learning_rate = 1e-3' binds nothing this run "
         "uses: adam is called under scope(s) 'd', 'g'"),
        (["train.num_steps = 0"], "train.num_steps=0: expected an integer >= 1"),
        (["train.num_steps = -5"], "train.num_steps=-5: expected an integer >= 1"),
        (["train.num_steps = '100'"], "train.num_steps='100': expected an integer >= 1"),
        (["d/adam.learning_rate = -1e-3"], "d/adam.learning_rate=-0.001: expected a number > 0"),
        (["cadence.summary_every = 0"], "cadence.summary_every=0: expected an integer >= 1"),
        (["cadence.steps_per_loop = 0"], "cadence.steps_per_loop=0: expected an integer >= 1"),
        (["train.loss_family = 'hinge'"], "loss family 'hinge' reads only adv_logits, so head(s) classifier"),
        (["train.num_steps == 3"], "gin configuration error in --gin_param 'train.num_steps == 3'"),
        (["ema.decay = 1.5"], "ema.decay=1.5: expected a number in (0, 1) (e.g. 0.9999) or None"),
        (["gradient_penalty.r1_gamma = -0.1"], "gradient_penalty.r1_gamma=-0.1: expected a number >= 0"),
        (["gradient_penalty.r2_gamma = 0.1", "gradient_penalty.every = 0"],
         "gradient_penalty.every=0: expected an integer >= 1"),
    ]
    for params, needle in cases:
      with self.subTest(params=params):
        d = os.path.join(self.create_tempdir().full_path, "new_run")
        code, err = train_cli(d, *params)
        self.assertOneLineError(code, err, needle)
        self.assertFalse(os.path.exists(d), os.listdir(d) if os.path.exists(d) else None)

  def test_hinge_with_default_heads_names_the_heads_setting(self):
    code, err = train_cli(os.path.join(self.create_tempdir().full_path, "r"), "train.loss_family = 'hinge'")
    self.assertOneLineError(code, err, "build_discriminator.heads=('projection', 'classifier')")

  def test_model_dir_that_is_a_file(self):
    path = os.path.join(self.create_tempdir().full_path, "a_file")
    with open(path, "w") as f:
      f.write("keep me")
    code, err = train_cli(path)
    self.assertOneLineError(code, err, f"model_dir {path!r} is a file")
    with open(path) as f:
      self.assertEqual(f.read(), "keep me")

  def test_failed_extension_keeps_train_done_and_every_file(self):
    d = self.fresh()
    before = snapshot(d)
    code, err = train_cli(d, "train.num_steps = 6", "ema.decay = 0.999")
    self.assertOneLineError(code, err, f"checkpoint {d}/ckpt-4 holds no ema_generator", "ema.decay")
    self.assertEqual(snapshot(d), before)  # TRAIN_DONE included

  def test_a_finished_run_without_its_checkpoints_is_not_trained_again_from_step_0(self):
    d = self.fresh()
    for name in os.listdir(d):
      if name.startswith("ckpt-") or name == "checkpoint":
        os.remove(os.path.join(d, name))
    before = snapshot(d)
    code, err = train_cli(d, "train.num_steps = 6")
    self.assertOneLineError(code, err, f"model_dir={d!r} holds a finished run (TRAIN_DONE: 4 steps) but no "
                            "readable checkpoint to extend it from")
    self.assertEqual(snapshot(d), before)

  def test_architecture_mismatch_error_is_the_last_line(self):
    d = self.fresh()
    before = snapshot(d)
    code, err = cli("tfgan_mh.train", f"--model_dir={d}", "--gin_param=train.num_steps=6",
                    "--gin_param=train.global_batch_size=16",  # the run's batch (another one is refused first)
                    "--gin_param=build_discriminator.hidden=(64, 64)")
    self.assertOneLineError(code, err, f"checkpoint {d}/ckpt-4 does not match the networks of this configuration")
    self.assertEqual(snapshot(d), before)

  def test_truncated_run_info(self):
    d = self.fresh()
    with open(os.path.join(d, restore.RUN_INFO), "r+") as f:
      f.truncate(30)
    before = snapshot(d)
    code, err = cli("tfgan_mh.cli.export", f"--model_dir={d}", f"--out={self.create_tempdir().full_path}/g")
    self.assertOneLineError(code, err, f"{d}/{restore.RUN_INFO} is not valid JSON")
    self.assertEqual(snapshot(d), before)

  # --- 8: damaged data files -------------------------------------------------------------------------------

  def test_damaged_data_files_are_named(self):
    idx = self.create_tempdir().full_path
    good = gzip.compress(bytes(16))
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
      with open(os.path.join(idx, stem + ".gz"), "wb") as f:
        f.write(good[:10] if stem.startswith("train-images") else os.urandom(64))
    folder = self.create_tempdir().full_path
    for cls, payload in (("a", b"not an image"), ("b", tf.io.encode_png(tf.zeros([4, 4, 1], tf.uint8)).numpy())):
      os.makedirs(os.path.join(folder, cls))
      with open(os.path.join(folder, cls, "x.png"), "wb") as f:
        f.write(payload)
    cases = [(["build_source.name = 'mnist_idx'", f"build_source.path = '{idx}'"],
              f"{idx}/train-images-idx3-ubyte.gz cannot be read"),
             (["build_source.name = 'image_folder'", f"build_source.path = '{folder}'"],
              f"{folder}/a/x.png is not a readable image")]
    for params, needle in cases:
      with self.subTest(source=params[0]):
        before = snapshot(os.path.dirname(idx))
        code, err = train_cli(os.path.join(self.create_tempdir().full_path, "r"), *params)
        self.assertOneLineError(code, err, needle)
        self.assertEqual(snapshot(os.path.dirname(idx)), before)


class MessagesTest(tf.test.TestCase):
  """Lines that name the real fault (issue 26 item 16), without a run."""

  def test_a_malformed_tf_config_is_named(self):
    with mock.patch.dict(os.environ, {"TF_CONFIG": '{"cluster": {"worker": ["h:1"]} "task": {}}'}):
      with self.assertRaisesRegex(ValueError, r"^TF_CONFIG is not valid JSON \(Expecting ',' delimiter: line 1 "
                                              r"column 33 \(char 32\)\): expected e\.g\. \{\"cluster\""):
        train_main.make_strategy("multi_worker")

  def test_nan_pixels_are_called_nan(self):
    from tfgan_mh.data import arrays  # pylint: disable=g-import-not-at-top
    import numpy as np  # pylint: disable=g-import-not-at-top
    x = np.zeros([2, 4, 4, 1], np.float32)
    x[0, 1, 1, 0] = np.nan
    x[1, 0, 0, 0] = np.inf
    with self.assertRaisesRegex(ValueError, r"^float images of x.npz hold 2 NaN / inf pixel values \(of 32\): "
                                            "expected finite pixels$"):
      arrays.prepare_images(x, "x.npz")
    with self.assertRaisesRegex(ValueError, r"span \[300.0, 300.0\].*\(gin: build_source.pixel_range = \(lo, hi\)\)$"):
      arrays.prepare_images(np.full([1, 4, 4, 1], 300.0, np.float32), "x.npz")

  def test_a_batch_or_resolution_that_cannot_fit_is_refused_before_any_step(self):
    """Issue 26 item 15: the lower bound of `training.memory` against the memory available, by hand."""
    import types  # pylint: disable=g-import-not-at-top
    import keras  # pylint: disable=g-import-not-at-top
    import numpy as np  # pylint: disable=g-import-not-at-top
    from tfgan_mh.data import arrays  # pylint: disable=g-import-not-at-top
    from tfgan_mh.training import memory  # pylint: disable=g-import-not-at-top

    from tfgan_mh.models import base as models_base  # pylint: disable=g-import-not-at-top

    class G(models_base.LatentInput, keras.Model):  # z 4 -> Dense 16 -> 4x4x1
      z_dim = 4

      def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(16)

      def call(self, z, labels=None, training=False):
        return tf.reshape(self.dense(z), [-1, 4, 4, 1])

    class D(keras.Model):  # 4x4x1 -> Dense 8 -> Dense 1
      uses_labels = False

      def __init__(self):
        super().__init__()
        self.hidden, self.out = keras.layers.Dense(8), keras.layers.Dense(1)

      def call(self, x, labels=None, training=False):
        return self.out(self.hidden(tf.reshape(x, [-1, 16])))

    g, d = G(), D()
    g(tf.zeros([1, 4])), d(tf.zeros([1, 4, 4, 1]))
    opts = [keras.optimizers.Adam(), keras.optimizers.Adam()]
    opts[0].build(g.trainable_variables), opts[1].build(d.trainable_variables)
    batch = 2**20  # a replica's input: 2**20 x 16 x 4 bytes = 64 MiB >= memory.MIN_INPUT_BYTES
    trainer = types.SimpleNamespace(generator=g, discriminator=d, ema_generator=None, g_optimizer=opts[0],
                                    d_optimizer=opts[1], per_replica_batch=batch, accumulate_steps=2,
                                    global_batch_size=batch, image_shape=(4, 4, 1), conditional=False)
    params = (4 * 16 + 16) + (16 * 8 + 8) + (8 * 1 + 1)  # 225 float32 weights
    optimizer_bytes = sum(v.numpy().nbytes for o in opts for v in o.variables)  # 2 moments each + counters
    need = memory.step_need(trainer)
    self.assertEqual(need["state"], 4 * params * 2 + optimizer_bytes)  # weights + gradients + optimizer
    self.assertEqual(need["activations"], batch // 2 * (16 + 8 + 1) * 4)  # the dense outputs of a micro-batch
    total = need["state"] + need["activations"]
    memory.check_fits(trainer, tf.distribute.get_strategy(), available=total)  # fits exactly: no error
    with self.assertRaisesRegex(ValueError, r"^train.global_batch_size=1048576 \(examples 4x4x1\) needs at least "
                                            r"0.0488 GiB \(.* \+ 0.0488 GiB activations, per replica of 1\) "
                                            r"and 0.0244 GiB is available: lower train.global_batch_size, "):
      memory.check_fits(trainer, tf.distribute.get_strategy(), available=total // 2)
    with mock.patch.object(arrays.cpu, "available_bytes", return_value=2**30):
      with self.assertRaisesRegex(ValueError, r"^resolution=100000: the 3 images of x.npz resized to "
                                              r"100000x100000x1 need at least 112 GiB and 1 GiB is available: "):
        arrays.prepare_images(np.zeros([3, 4, 4, 1], np.uint8), "x.npz", resolution=100000)
    run = os.path.join(self.create_tempdir().full_path, "run")  # the trainer checks before any step or file
    with mock.patch.object(memory.cpu, "available_bytes", return_value=2**30):
      code, err = train_cli(run, "train.global_batch_size = 8388608")  # the ring: 2**23 x 2 x 4 = 64 MiB inputs
    self.assertEqual(code, 1)
    self.assertRegex(err.strip().splitlines()[-1], r"^error: train.global_batch_size=8388608 \(examples 2\) "
                                                   r"needs at least .* and 1 GiB is available: lower ")
    self.assertFalse(os.path.exists(run))

  def test_a_tpu_that_is_not_there_is_one_line_not_a_hang(self):
    with mock.patch.object(train_main.glob, "glob", return_value=[]):
      with self.assertRaisesRegex(ValueError, r"^--tpu=local: this machine has no TPU chips \(/dev/accel\*, "):
        train_main.make_strategy("tpu", "local")
    import socket  # pylint: disable=g-import-not-at-top
    with socket.socket() as s:  # a free local port with nothing listening
      s.bind(("127.0.0.1", 0))
      port = s.getsockname()[1]
    with self.assertRaisesRegex(ValueError, f"^--tpu=grpc://127.0.0.1:{port}: nothing answers there "
                                            r"\(Connection refused, 10 s\): check the address"):
      train_main.make_strategy("tpu", f"grpc://127.0.0.1:{port}")
    with self.assertRaisesRegex(ValueError, "^--strategy=tpu needs --tpu"):
      train_main.check_tpu("")

  def test_a_full_disk_is_one_line_naming_the_folder(self):
    from tfgan_mh import cli  # pylint: disable=g-import-not-at-top
    import errno  # pylint: disable=g-import-not-at-top
    saving = tf.errors.ResourceExhaustedError(None, None, "/r/ckpt-10_temp/part-00000-of-00001.data-00000-of-00001; "
                                              "No space left on device")
    self.assertEqual(cli.disk_full(saving, "/r"), "no space left on device writing /r: free space there (or pass "
                     "another folder); what was written before is kept and the same command resumes")
    tmp = OSError(errno.ENOSPC, "No space left on device", "/r/eval/best.json.tmp")
    self.assertTrue(cli.disk_full(tmp, "/r/eval").startswith("no space left on device writing /r/eval/best.json.tmp:"))
    self.assertIsNone(cli.disk_full(OSError(errno.EACCES, "Permission denied"), "/r"))
    d = os.path.join(self.create_tempdir().full_path, "run")
    with mock.patch("tfgan_mh.training.loop.train", side_effect=saving):
      code, err = train_cli(d)
    self.assertEqual(code, 1)
    self.assertEqual(err.strip().splitlines()[-1], f"error: no space left on device writing {d}: free space there "
                     "(or pass another folder); what was written before is kept and the same command resumes")

  def test_out_of_memory_is_one_line_and_leaves_no_run_directory(self):
    d = os.path.join(self.create_tempdir().full_path, "run")

    def oom(**kwargs):  # what a batch too large for the machine does, after TensorBoard's file exists
      os.makedirs(kwargs["model_dir"], exist_ok=True)
      open(os.path.join(kwargs["model_dir"], "events.out.tfevents.1"), "w").close()
      raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[100000,2]\nmore")

    with mock.patch("tfgan_mh.training.loop._train", side_effect=oom):
      code, err = train_cli(d, "train.global_batch_size = 100000")
    self.assertEqual(code, 1)
    self.assertEqual(err.strip().splitlines()[-1], "error: out of memory (OOM when allocating tensor with "
                     "shape[100000,2]): lower train.global_batch_size (now 100000), the resolution or the network "
                     "widths, or use optimization.accumulate_steps")
    self.assertFalse(os.path.exists(d))
