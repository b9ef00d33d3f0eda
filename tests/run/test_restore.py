"""Rebuilding a run from its model_dir: run_info, checkpoint choice, restored weights sample alike."""

import json
import os

import gin
import numpy as np
import tensorflow as tf

from tfgan_mh import cli
from tfgan_mh.cli import train as train_main
from tfgan_mh.training import loop
from tfgan_mh.run import restore

TINY = ["train.num_steps = 4", "train.global_batch_size = 16", "cadence.steps_per_loop = 1",
        "cadence.save_every = 2", "cadence.summary_every = 2", "cadence.image_every = 4", "cadence.log_every = 2",
        "ema.decay = 0.5"]


class RestoreTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.model_dir = os.path.join(tf.compat.v1.test.get_temp_dir(), "restore_run")
    gin.clear_config()
    cli.parse_gin([train_main.DEFAULT_GIN], TINY)
    loop.train(cls.model_dir)
    gin.clear_config()

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_run_info_records_the_data_decisions(self):
    info = restore.read_run_info(self.model_dir)
    self.assertEqual(info["image_shape"], [2])
    self.assertEqual(info["num_classes"], 10)
    self.assertTrue(info["conditional"])
    self.assertTrue(info["ema"])
    self.assertEqual(info["loss_family"], "mhinge")
    self.assertEqual(info["discriminator_heads"], ["projection", "classifier"])

  def test_checkpoint_choice(self):
    self.assertEqual([s for s, _ in restore.list_checkpoints(self.model_dir)], [2, 4])
    self.assertTrue(restore.resolve_checkpoint(self.model_dir, "latest").endswith("ckpt-4"))
    self.assertTrue(restore.resolve_checkpoint(self.model_dir, 2).endswith("ckpt-2"))
    self.assertTrue(restore.resolve_checkpoint(self.model_dir, "2").endswith("ckpt-2"))
    with self.assertRaisesRegex(ValueError, r"step 3 .*available steps: 2, 4"):
      restore.resolve_checkpoint(self.model_dir, 3)
    with self.assertRaisesRegex(ValueError, "eval job"):
      restore.resolve_checkpoint(self.model_dir, "best")
    with self.assertRaisesRegex(ValueError, "'nonsense' is not 'latest', 'best'"):
      restore.resolve_checkpoint(self.model_dir, "nonsense")
    with self.assertRaisesRegex(ValueError, "no run_info.json"):
      restore.load_run(self.create_tempdir().full_path)
    self.assertEqual([restore.checkpoint_step(p) for p in ("r/ckpt-12", "r/ckpt-12.index", "r/ckpt-12.data-0",
                                                           "r/model.ckpt", "gs://b/r/ckpt-0")], [12, 12, None, None, 0])

  def test_a_run_written_under_an_old_parameter_name_still_parses(self):
    d = self.create_tempdir().full_path
    with open(os.path.join(d, restore.OPERATIVE_CONFIG), "w") as f:  # as runs before the rename wrote it
      f.write("build_discriminator.arch = 'mlp'\nbuild_discriminator.mlp_spectral_norm = False\n"
              "train.pretrain_epochs = 3\n")
    try:
      restore.parse_operative_config(d)
      self.assertFalse(gin.query_parameter("build_discriminator.spectral_norm"))
      self.assertEqual(gin.query_parameter("magan.pretrain_epochs"), 3)
      self.assertEqual(gin.query_parameter("build_discriminator.arch"), "mlp")
    finally:
      gin.clear_config()

  def test_best_reads_the_eval_record(self):
    run_dir = self.create_tempdir().full_path
    for name in os.listdir(self.model_dir):
      if name.startswith(("ckpt-2", "run_info", "operative")):
        tf.io.gfile.copy(os.path.join(self.model_dir, name), os.path.join(run_dir, name))
    os.makedirs(os.path.join(run_dir, "eval"))
    with open(os.path.join(run_dir, restore.BEST_FILE), "w") as f:
      json.dump({"checkpoint": os.path.join(run_dir, "ckpt-2"), "step": 2}, f)
    self.assertEqual(restore.load_run(run_dir, "best").step, 2)
    os.remove(os.path.join(run_dir, "ckpt-2.index"))
    with self.assertRaisesRegex(ValueError, "was deleted"):
      restore.resolve_checkpoint(run_dir, "best")

  def test_restored_networks_equal_the_checkpoint(self):
    run = restore.load_run(self.model_dir, 2)
    self.assertEqual(run.step, 2)
    reader = tf.train.load_checkpoint(run.checkpoint)
    # Every generator weight is one of the stored tensors (some are stored under an optimizer's path).
    stored = [reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
              if "OPTIMIZER_SLOT" not in n and n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    for v in run.generator.variables + run.discriminator.variables:
      self.assertTrue(any(np.shape(t) == tuple(v.shape) and np.array_equal(t, v.numpy()) for t in stored),
                      msg=v.path)
    # EMA differs from G (decay 0.5, 2 updates).
    z = tf.random.stateless_normal([20, run.info["z_dim"]], seed=[1, 2])
    labels = tf.range(20) % 10
    raw = run.sample(z, labels, use_ema=False).numpy()
    ema = run.sample(z, labels).numpy()
    self.assertEqual(raw.shape, (20, 2))
    self.assertGreater(np.abs(raw - ema).max(), 1e-4)
    again = restore.load_run(self.model_dir, 2)
    self.assertAllClose(raw, again.sample(z, labels, use_ema=False))
    latest = restore.load_run(self.model_dir)
    self.assertEqual(latest.step, 4)
    self.assertGreater(np.abs(latest.sample(z, labels, use_ema=False) - raw).max(), 1e-5)
    out = run.discriminator(tf.zeros([3, 2]), tf.zeros([3], tf.int32), training=False)
    self.assertEqual(out.class_logits.shape, (3, 10))


if __name__ == "__main__":
  tf.test.main()
