"""The train loop end to end on the embedded ring config: outputs, resume, switch, MAGAN epochs, bad input."""

import glob
import os
import sys
from unittest import mock

import gin
import keras
import numpy as np
import tensorflow as tf

from tests import forkserver
from tests import helpers
from tfgan_mh import cli
from tfgan_mh import data
from tfgan_mh.cli import train as train_main
from tfgan_mh.data import pipeline
from tfgan_mh.evaluation import job
from tfgan_mh.training import loop
from tfgan_mh.training import precision
from tfgan_mh.run import restore

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["train.num_steps = 4", "train.global_batch_size = 16", "cadence.steps_per_loop = 1",
        "cadence.save_every = 2", "cadence.summary_every = 1", "cadence.image_every = 4", "cadence.log_every = 2"]


def _configure(*params, gin_files=None):
  gin.clear_config()
  cli.parse_gin(gin_files or [train_main.DEFAULT_GIN], TINY + list(params))


def _scalars(model_dir, tag):
  """{step: value} of a scalar summary written by the loop."""
  out = {}
  for path in glob.glob(os.path.join(model_dir, "events.*")):
    for event in tf.compat.v1.train.summary_iterator(path):
      for v in event.summary.value:
        if v.tag == tag:
          out[event.step] = float(tf.make_ndarray(v.tensor))
  return out


class TrainLoopTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_ring_run_writes_checkpoints_config_pictures_and_done_marker(self):
    model_dir = self.create_tempdir().full_path
    _configure()
    out = loop.train(model_dir)
    self.assertEqual(tf.train.latest_checkpoint(model_dir), os.path.join(model_dir, "ckpt-4"))
    self.assertTrue(os.path.exists(os.path.join(model_dir, "ckpt-2.index")))
    self.assertTrue(os.path.exists(os.path.join(model_dir, loop.TRAIN_DONE)))
    config = open(os.path.join(model_dir, loop.OPERATIVE_CONFIG)).read()
    self.assertIn("train.loss_family = 'mhinge'", config)
    picture = tf.io.decode_png(open(os.path.join(model_dir, "samples", "step_00000004.png"), "rb").read())
    self.assertEqual(picture.shape[2], 3)
    self.assertGreater(len(np.unique(picture.numpy().reshape(-1, 3), axis=0)), 10)  # coloured classes
    # TensorBoard's "samples" image is the same picture (tf.summary.image: width, height, PNG).
    (summary,) = [tf.make_ndarray(v.tensor) for path in glob.glob(os.path.join(model_dir, "events.*"))
                  for event in tf.compat.v1.train.summary_iterator(path) for v in event.summary.value
                  if v.tag == "samples"]
    self.assertAllEqual(tf.io.decode_png(summary[2]), picture)
    self.assertIsNone(restore.read_run_info(model_dir)["class_names"])  # the ring's classes have no names
    for key in ("d/loss", "g/loss", "d/grad_norm", "g/grad_norm", "d/class_acc_real", "g/self_acc"):
      self.assertIn(key, out)
      self.assertTrue(np.isfinite(out[key]))
    self.assertEqual(sorted(_scalars(model_dir, "d/loss")), [1, 2, 3, 4])
    self.assertEqual(restore.read_run_info(model_dir)["precision"], "float32")  # pinned by the default config

  def test_auto_precision_trains_in_bf16_on_a_native_bf16_cpu_and_records_it(self):
    model_dir = self.create_tempdir().full_path
    _configure("execution.precision = 'auto'")
    with mock.patch.object(precision, "cpu_flags", return_value=frozenset({"avx2", "avx512_bf16"})):
      out = loop.train(model_dir)
    self.assertTrue(all(np.isfinite(v) for v in out.values()), out)
    self.assertEqual(restore.read_run_info(model_dir)["precision"], "mixed_bfloat16")
    self.assertEqual(keras.mixed_precision.global_policy().name, "float32")  # restored after the run

  def test_restart_continues_like_an_uninterrupted_run(self):
    straight, split = self.create_tempdir().full_path, self.create_tempdir().full_path
    _configure("cadence.checkpoint_input = True")
    expected = loop.train(straight)
    _configure("cadence.checkpoint_input = True", "train.num_steps = 2")
    loop.train(split)
    _configure("cadence.checkpoint_input = True")
    resumed = loop.train(split)
    # It resumed from ckpt-2 (a checkpoint holding the iterator's variant state reads as whole), not from step 0.
    self.assertFalse(os.path.exists(os.path.join(split, "bad")))
    self.assertEqual(expected.keys(), resumed.keys())
    for k in expected:
      self.assertAllClose(expected[k], resumed[k], rtol=1e-5, atol=1e-6, msg=k)

  def test_switch_from_hinge_checkpoint_to_shared_head(self):
    hinge_dir, shared_dir = self.create_tempdir().full_path, self.create_tempdir().full_path
    _configure("train.loss_family = 'hinge'", "build_discriminator.heads = ('projection',)",
               "train.num_steps = 2")
    loop.train(hinge_dir)
    _configure("train.loss_family = 'mhinge_shared'",
               "build_discriminator.heads = ('projection', 'shared_classifier')",
               f"train.init_from = '{hinge_dir}'", "cadence.save_every = 1", "train.num_steps = 3")
    out = loop.train(shared_dir)
    # The run continued from step 2 of the hinge run: its only new checkpoint is step 3.
    self.assertEqual(sorted(os.path.basename(p) for p in glob.glob(os.path.join(shared_dir, "ckpt-*.index"))),
                     ["ckpt-3.index"])
    self.assertIn("d/class_acc_real", out)
    before = tf.train.load_checkpoint(os.path.join(hinge_dir, "ckpt-2"))
    after = tf.train.load_checkpoint(os.path.join(shared_dir, "ckpt-3"))
    moved = [np.abs(before.get_tensor(n) - after.get_tensor(n)).max()
             for n, _ in before.get_variable_to_shape_map().items()
             if n.startswith("discriminator/") and "OPTIMIZER_SLOT" not in n and "sn_u" not in n]
    self.assertNotEmpty(moved)
    # One Adam step (lr 1e-3) from the hinge weights, not a fresh initialisation.
    self.assertBetween(max(moved), 1e-4, 2e-3)

  def test_bad_inputs_give_one_line_errors(self):
    cases = [
        (["train.loss_family = 'nope'"], "nope"),
        (["build_source.name = 'not_a_dataset'"], "not_a_dataset"),
        (["build_discriminator.heads = ('projection',)"], "class_logits"),
        (["train.global_batch_size = 0"], r"train.global_batch_size=0: expected an integer >= 1"),
        (["train.init_from = '/nonexistent/run'"], "init_from"),
        (["pictures.max_classes = 0"], r"pictures.max_classes=0: expected an integer >= 1"),
        (["optimization.optimizer = 'sgd'"], r"optimization.optimizer='sgd': valid optimizers are adam, adamax"),
        (["diffaugment.policy = 'color,flip'"], r"DiffAugment policy 'flip' is not valid; valid: color, "
         r"translation, cutout"),
        (["diffaugment.policy = 'cutout'"], r"DiffAugment cutout needs images \[H, W, C\]; these samples have "
         r"shape \(2,\): set diffaugment.policy=''"),
        (["execution.precision = 'fp16'"],
         r"execution.precision='fp16' is not valid; valid: 'auto', 'float32', 'mixed_bfloat16'"),
    ]
    for params, pattern in cases:
      with self.subTest(params=params):
        _configure(*params)
        with self.assertRaises(ValueError) as ctx:
          loop.train(self.create_tempdir().full_path)
        # gin appends "In call to configurable ..." lines; the CLI prints only the first line.
        self.assertRegex(cli.first_line(ctx.exception), pattern)

  def test_picture_rows_are_evenly_spaced_classes(self):
    self.assertAllEqual(loop.picture_class_ids(10, 20), np.arange(10))
    self.assertAllEqual(loop.picture_class_ids(1000, 5), [0, 250, 500, 749, 999])
    self.assertAllEqual(loop.picture_class_ids(1000, 1), [0])

  def test_checkpoint_input_under_mirrored_is_refused(self):
    strategy = helpers.mirrored_strategy(self)
    model_dir = self.create_tempdir().full_path
    _configure("cadence.checkpoint_input = True")
    with self.assertRaisesRegex(ValueError, "checkpoint_input=True: MirroredStrategy's input iterator"):
      loop.train(model_dir, strategy)
    self.assertEmpty(glob.glob(os.path.join(model_dir, "ckpt-*")))

  def test_mirrored_run_resumes(self):
    strategy = helpers.mirrored_strategy(self)
    model_dir = self.create_tempdir().full_path
    _configure("train.num_steps = 2", "ema.decay = 0.9")
    loop.train(model_dir, strategy)
    _configure("ema.decay = 0.9")
    out = loop.train(model_dir, strategy)
    self.assertEqual(tf.train.latest_checkpoint(model_dir), os.path.join(model_dir, "ckpt-4"))
    self.assertTrue(np.isfinite(out["g/loss"]))

  def test_unwritable_model_dir(self):
    blocker = self.create_tempfile().full_path  # a file where a directory should be
    _configure()
    with self.assertRaisesRegex(ValueError, "not writable"):
      loop.train(os.path.join(blocker, "run"))

  def test_gin_errors(self):
    bad = self.create_tempfile(content="train.num_steps = = 3\n").full_path
    with self.assertRaisesRegex(ValueError, "gin configuration error"):
      _configure(gin_files=[bad])
    with self.assertRaisesRegex(ValueError, "gin configuration error.*no_such_param|no_such_param"):
      _configure("train.no_such_param = 3")
    with self.assertRaisesRegex(ValueError, "does not exist"):
      _configure(gin_files=["/nonexistent.gin"])

  def test_nan_loss_stops_and_keeps_last_good_checkpoint(self):
    model_dir = self.create_tempdir().full_path
    _configure("train.num_steps = 2")
    loop.train(model_dir)
    good = tf.train.load_checkpoint(os.path.join(model_dir, "ckpt-2"))
    names = [n for n in good.get_variable_to_shape_map() if n.startswith("generator/")]
    # Resume with absurd learning rates: the next steps blow up.
    _configure("d/adam.learning_rate = 1e30", "g/adam.learning_rate = 1e30", "cadence.save_every = 1",
               "train.num_steps = 10")
    with self.assertRaisesRegex(loop.NonFiniteLossError, r"non-finite .* Last good checkpoint: .*ckpt-2"):
      loop.train(model_dir)
    # The extension failed in its first steps: the finished run (ckpt-2, TRAIN_DONE) is left as it was.
    self.assertTrue(os.path.exists(os.path.join(model_dir, loop.TRAIN_DONE)))
    self.assertEqual(tf.train.latest_checkpoint(model_dir), os.path.join(model_dir, "ckpt-2"))
    reader = tf.train.load_checkpoint(os.path.join(model_dir, "ckpt-2"))
    self.assertEqual(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 2)
    for n in names:
      self.assertAllEqual(good.get_tensor(n), reader.get_tensor(n), msg=n)

  def test_cli_runs_default_and_rejects_bad_gin(self):
    model_dir = self.create_tempdir().full_path
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    ok = forkserver.run([sys.executable, "-m", "tfgan_mh.train", f"--model_dir={model_dir}",
                         "--gin_param=train.num_steps=2", "--gin_param=cadence.steps_per_loop=1"],
                        env=env, cwd=REPO, timeout=300)
    self.assertEqual(ok.returncode, 0, ok.stderr[-2000:])
    self.assertTrue(os.path.exists(os.path.join(model_dir, loop.TRAIN_DONE)))
    bad = forkserver.run([sys.executable, "-m", "tfgan_mh.train", f"--model_dir={model_dir}",
                          "--gin_param=train.loss_family='nope'"], env=env, cwd=REPO, timeout=300)
    self.assertEqual(bad.returncode, 1)
    self.assertRegex(bad.stderr.strip().splitlines()[-1], r"^error: .*nope")
    self.assertNotIn("In call to configurable", bad.stderr)


class MaganEpochTest(tf.test.TestCase):
  """004 Algorithm 1 in the loop: D-only pre-training, then the margin moves only at epoch ends."""

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _configure_magan(self, *params):
    rng = np.random.default_rng(0)
    data = self.create_tempdir().full_path + "/digits.npz"
    # 64 images of 28x28: one epoch is 4 steps of 16. Two kinds of images so the energies differ.
    x = np.where(rng.uniform(size=(64, 28, 28)) < np.linspace(0.1, 0.9, 64)[:, None, None], 255, 0)
    np.savez(data, x=x.astype(np.uint8), y=np.arange(64) % 2)
    _configure("build_source.name = 'npz'", f"build_source.path = '{data}'",
               "build_generator.arch = 'magan'", "build_discriminator.arch = 'magan_ae'",
               "build_discriminator.heads = ('energy',)", "train.loss_family = 'magan'",
               "train.num_steps = 24", "cadence.save_every = 24", "cadence.image_every = 24",
               "cadence.log_every = 24", *params)

  def test_no_pretraining_is_refused_before_anything_is_written(self):
    self._configure_magan("magan.pretrain_epochs = 0")
    model_dir = self.create_tempdir().full_path
    with self.assertRaises(ValueError) as ctx:
      loop.train(model_dir)
    self.assertEqual(cli.first_line(ctx.exception),
                     "magan.pretrain_epochs=0: loss family 'magan' sets its first margin from D-only "
                     "pre-training (MAGAN Algorithm 1 l.9); use an integer >= 1 (paper: 2)")
    self.assertEqual(os.listdir(model_dir), [])

  def test_margin_changes_only_at_epoch_ends(self):
    self._configure_magan("magan.pretrain_epochs = 1")
    model_dir = self.create_tempdir().full_path
    out = loop.train(model_dir)
    margin = _scalars(model_dir, "magan/margin")
    self.assertEqual(sorted(margin), list(range(1, 25)))
    # Pre-training (steps 1-4, no G step): m = 0 (Algorithm 1 line 1).
    self.assertEqual([margin[s] for s in range(1, 5)], [0.0] * 4)
    self.assertNotIn(1, _scalars(model_dir, "g/loss"))
    self.assertIn(5, _scalars(model_dir, "g/loss"))
    # Then m_1 = mean real energy of pre-training (line 9), > 0, and changes only between epochs.
    self.assertGreater(margin[5], 0.0)
    changed = [s for s in range(1, 24) if margin[s + 1] != margin[s]]
    self.assertNotEmpty(changed)
    self.assertTrue(all(s % 4 == 0 for s in changed), msg=f"margin changed after steps {changed}")
    self.assertIn("magan/margin", out)
    # Each epoch end logs E_data and E_G; a lowered margin is that epoch's E_data (Eq. (4)).
    real = _scalars(model_dir, "magan/epoch_real_energy")
    self.assertEqual(sorted(real), [8, 12, 16, 20, 24])
    self.assertEqual(sorted(_scalars(model_dir, "magan/epoch_fake_energy")), [8, 12, 16, 20, 24])
    for s in (8, 12, 16, 20):
      self.assertTrue(margin[s + 1] == margin[s] or abs(margin[s + 1] - real[s]) < 1e-4,
                      msg=f"step {s}: margin {margin[s]} -> {margin[s + 1]}, E_data {real[s]}")

  def test_first_margin_is_a_pass_without_updates_after_pretraining(self):
    # RuohanW/magan: after the D-only epochs, m_1 = mean real energy of one more epoch with no updates (not the
    # mean energy logged while the auto-encoder was still learning).
    self._configure_magan("magan.pretrain_epochs = 1", "train.num_steps = 4", "cadence.save_every = 4",
                          "cadence.image_every = 4", "cadence.log_every = 4")
    model_dir = self.create_tempdir().full_path
    loop.train(model_dir)
    run = restore.load_run(model_dir, 4)
    images = data.build_source().arrays("train")[0]
    x = pipeline.to_unit_range(tf.constant(images))
    energies = run.discriminator(x, None, training=True).energy.numpy()  # the whole set: the next epoch
    margin = job.checkpoint_margin(os.path.join(model_dir, "ckpt-4"))
    self.assertAllClose(margin, energies.mean(), rtol=1e-5)
    logged = _scalars(model_dir, "d/energy_real")
    self.assertNotAlmostEqual(margin, float(np.mean(list(logged.values()))), places=3)


if __name__ == "__main__":
  tf.test.main()
