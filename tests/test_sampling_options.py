"""BigGAN's sampling options in sample, export and the eval job: truncation (§3.1) and standing statistics (§3).

On the tiny 2-step MNIST DCGAN run of tests/test_export_sample.py (batch norms in G, EMA G); each check
recomputes the samples in memory with the same latents and statistics and compares the numbers.
"""

import glob
import json
import os
import sys

import gin
import numpy as np
import tensorflow as tf

from tests import forkserver
from tests.evaluation.test_job import _Projection
from tests.test_export_sample import _subprocess_env
from tests.test_export_sample import _tempdir
from tests.test_export_sample import drawn
from tests.test_export_sample import image_run_dir
from tfgan_mh.run import export
from tfgan_mh import metrics
from tfgan_mh import plots
from tfgan_mh.cli import sample
from tfgan_mh.evaluation import job
from tfgan_mh.evaluation import records
from tfgan_mh.evaluation import watcher
from tfgan_mh.models import standing_stats
from tfgan_mh.models import latents
from tfgan_mh.run import restore

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDING = dict(num_batches=2, batch_size=16, seed=0)


def _checkpoint_bytes(model_dir):
  out = {}
  for path in sorted(glob.glob(os.path.join(model_dir, "ckpt-*"))):
    with open(path, "rb") as f:
      out[os.path.basename(path)] = f.read()
  return out


def _with_standing(model_dir, checkpoint=2, truncation=None):
  run = restore.load_run(model_dir, checkpoint, with_discriminator=False)
  standing_stats.accumulate_standing_stats(run.sampler(True), truncation=truncation, **STANDING)
  return run


class SampleOptionsTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_figure_with_truncation(self):
    run = restore.load_run(image_run_dir(self), with_discriminator=False)
    picture = drawn(sample.figure(run, labels=[0, 3], num=4, seed=1, truncation=0.5))
    rng = np.random.default_rng(1)
    z = latents.truncate_numpy(rng.standard_normal((8, 8)).astype(np.float32), 0.5, rng)
    self.assertLessEqual(np.abs(z).max(), 0.5)
    want = plots.to_uint8(run.sample(tf.constant(z), tf.constant([0] * 4 + [3] * 4, tf.int32)).numpy())
    np.testing.assert_array_equal(picture[34:66, 100:132], want[7, ..., 0])  # row 1, column 3
    plain = drawn(sample.figure(run, labels=[0, 3], num=4, seed=1))
    self.assertGreater(np.abs(plain.astype(int) - picture).max(), 0)
    np.testing.assert_array_equal(drawn(sample.figure(run, labels=[0, 3], num=4, seed=1, truncation=0)), plain)
    shared = drawn(sample.figure(run, labels=[5, 5], num=3, shared_z=True, truncation=0.3))
    np.testing.assert_array_equal(shared[1:33], shared[34:66])
    with self.assertRaisesRegex(ValueError, r"^--truncation=-0.5 is not valid: expected a threshold > 0"):
      sample.figure(run, truncation=-0.5)

  def _cli(self, *flags):
    return forkserver.run([sys.executable, "-m", "tfgan_mh.cli.sample"] + list(flags), cwd=REPO,
                          env=_subprocess_env(), timeout=300)

  def test_cli_with_standing_statistics_and_truncation(self):
    model_dir = image_run_dir(self)
    before = _checkpoint_bytes(model_dir)
    out = os.path.join(_tempdir(self), "grid.png")
    result = self._cli(f"--model_dir={model_dir}", "--checkpoint=2", "--labels=0,3", "--num=4", "--seed=0",
                       "--truncation=0.7", "--standing_stats_batches=2", "--standing_stats_batch_size=16",
                       f"--out={out}")
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    with open(out, "rb") as f:
      got = tf.io.decode_png(f.read()).numpy()
    run = _with_standing(model_dir, truncation=0.7)
    want = plots.to_array(sample.figure(run, labels=[0, 3], num=4, seed=0, truncation=0.7))
    np.testing.assert_array_equal(got, want)
    self.assertEqual(result.stdout.strip(), f"wrote {out} ({want.shape[1]}x{want.shape[0]} px) from the EMA "
                     f"generator of {model_dir}/ckpt-2 (step 2), truncation 0.7, standing statistics: 2 batches "
                     "x 16 prior samples, seed 0, truncation 0.7")
    plain = plots.to_array(sample.figure(restore.load_run(model_dir, 2, with_discriminator=False), labels=[0, 3],
                                         num=4, seed=0, truncation=0.7))
    self.assertGreater(np.abs(plain.astype(int) - got).max(), 0)  # the standing statistics changed the picture
    self.assertEqual(_checkpoint_bytes(model_dir), before)  # never written back

  def test_cli_bad_values_are_one_line_and_write_nothing(self):
    model_dir = image_run_dir(self)
    tmp = _tempdir(self)
    out = os.path.join(tmp, "x.png")
    # One process (each costs ~7 s of TF start-up); the other flags' lines come from the same checks in-process.
    result = self._cli(f"--model_dir={model_dir}", f"--out={out}", "--truncation=-1")
    self.assertEqual(result.returncode, 1, result.stderr[-2000:])
    self.assertEqual([l for l in result.stderr.splitlines() if l.startswith("error:")],
                     ["error: --truncation=-1.0 is not valid: expected a threshold > 0 (e.g. 0.5; BigGAN §3.1), or "
                      "0 / None for no truncation"])
    self.assertEqual(result.stdout, "")
    self.assertEqual(os.listdir(tmp), [])
    with self.assertRaisesRegex(ValueError, r"^--standing_stats_batches=-2 is not valid: expected an int >= 0 "
                                r"\(0: no standing statistics\)$"):
      standing_stats.check_settings(-2, 256, prefix="--")
    with self.assertRaisesRegex(ValueError, r"^--standing_stats_batch_size=0 is not valid: expected an int >= 1$"):
      standing_stats.check_settings(16, 0, prefix="--")


class ExportOptionsTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_sample_signature_and_metadata(self):
    model_dir = image_run_dir(self)
    run = _with_standing(model_dir, truncation=0.5)
    record = dict(batches=2, batch_size=16, seed=0, truncation=0.5, layers=4)
    path = export.export_generator(run, os.path.join(_tempdir(self), "g"), truncation=0.5, standing_stats=record)
    g = tf.saved_model.load(path)
    self.assertAllClose(g.truncation.numpy(), 0.5)
    meta = json.loads(g.metadata.numpy().decode())
    self.assertEqual((meta["truncation"], meta["standing_stats"]), (0.5, record))
    labels = tf.constant([0, 3, 7, 9, 1], tf.int32)
    got = g.signatures["sample"](labels=labels, seed=tf.constant(11, tf.int64))["images"].numpy()
    z = latents.truncated_normal([5, 8], 0.5, [11, 0])
    np.testing.assert_array_equal(got, plots.to_uint8(run.sample(z, labels).numpy()))  # standing-stats G
    again = g.sample(labels, tf.constant(11, tf.int64))["images"].numpy()
    np.testing.assert_array_equal(again, got)
    plain = restore.load_run(model_dir, 2, with_discriminator=False)
    self.assertGreater(np.abs(plots.to_uint8(plain.sample(z, labels).numpy()).astype(int) - got).max(), 0)
    # Without options: N(0, I) latents in the sample signature, metadata says so.
    g0 = tf.saved_model.load(export.export_generator(plain, os.path.join(_tempdir(self), "g0")))
    self.assertEqual(float(g0.truncation.numpy()), 0.0)
    self.assertEqual(json.loads(g0.metadata.numpy().decode())["standing_stats"], None)
    z0 = tf.random.stateless_normal([5, 8], [11, 0])
    np.testing.assert_array_equal(g0.sample(labels, tf.constant(11, tf.int64))["images"].numpy(),
                                  plots.to_uint8(plain.sample(z0, labels).numpy()))
    tmp = _tempdir(self)
    with self.assertRaisesRegex(ValueError, r"^truncation=-0.1 is not valid"):
      export.export_generator(plain, os.path.join(tmp, "bad"), truncation=-0.1)
    self.assertEqual(os.listdir(tmp), [])

  def test_cli(self):
    model_dir = image_run_dir(self)
    tmp = _tempdir(self)
    out = os.path.join(tmp, "g")
    base = [sys.executable, "-m", "tfgan_mh.cli.export", f"--model_dir={model_dir}", "--checkpoint=2", f"--out={out}"]
    run_cli = lambda *flags: forkserver.run(base + list(flags), cwd=REPO, env=_subprocess_env(),  # noqa: E731
                                            timeout=300)
    bad = run_cli("--standing_stats_batches=-1")
    self.assertEqual(bad.returncode, 1)
    self.assertEqual(bad.stderr.strip().splitlines()[-1], "error: --standing_stats_batches=-1 is not valid: "
                     "expected an int >= 0 (0: no standing statistics)")
    bad = run_cli("--truncation=-3")
    self.assertEqual(bad.stderr.strip().splitlines()[-1], "error: --truncation=-3.0 is not valid: expected a "
                     "threshold > 0 (e.g. 0.5; BigGAN §3.1), or 0 / None for no truncation")
    self.assertEqual(os.listdir(tmp), [])
    ok = run_cli("--standing_stats_batches=2", "--standing_stats_batch_size=16")
    self.assertEqual(ok.returncode, 0, ok.stderr[-3000:])
    self.assertIn("standing statistics: 2 batches x 16 prior samples, seed 0", ok.stdout)
    g = tf.saved_model.load(out)
    self.assertEqual(json.loads(g.metadata.numpy().decode())["standing_stats"],
                     dict(batches=2, batch_size=16, seed=0, truncation=None, layers=4))
    z, labels = latents.truncated_normal([6, 8], None, 3), tf.range(6) % 10
    got = g.signatures["serving_default"](z=z, labels=labels)["images"].numpy()
    np.testing.assert_array_equal(got, plots.to_uint8(_with_standing(model_dir).sample(z, labels).numpy()))


class EvalJobOptionsTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _config(self, **kwargs):
    return job.EvalConfig(num_samples=40, batch_size=20, metrics="is", num_splits=1, validation_split="none",
                          inception=_Projection("stand-in", 20, 16, seed=0), best_metric="is_mean", **kwargs)

  def test_inputs_with_truncation(self):
    plain = list(job.sample_inputs(25, 10, 6, 5, seed=7))
    cut = list(job.sample_inputs(25, 10, 6, 5, seed=7, truncation=0.4))
    for i, ((z, y, b), (zt, yt, bt)) in enumerate(zip(plain, cut)):
      np.testing.assert_array_equal(y, yt)
      self.assertEqual(b, bt)
      self.assertLessEqual(np.abs(zt).max(), 0.4)
      if i == 0:  # the first batch: the entries inside are the plain draws (later ones follow the redraws)
        inside = np.abs(z) <= 0.4
        np.testing.assert_array_equal(zt[inside], z[inside])

  def test_record_numbers_equal_in_memory_computation(self):
    model_dir = image_run_dir(self)
    run = restore.load_run(model_dir, 2)
    record = job.evaluate_checkpoint(run, self._config(truncation=0.5, standing_stats_batches=2,
                                                       standing_stats_batch_size=16))
    self.assertEqual(record["truncation"], 0.5)
    self.assertEqual(record["standing_stats"], dict(batches=2, batch_size=16, seed=0, truncation=0.5, layers=4))
    self.assertIn("standing statistics: 2 batches x 16", record["protocol"]["generator_mode"])
    self.assertIn("every |z_i| > 0.5 resampled", record["protocol"]["latents"])
    extractor = _Projection("stand-in", 20, 16, seed=0)
    fresh = _with_standing(model_dir, truncation=0.5)
    logits = [extractor(fresh.sample(z, y).numpy()[:b])[0].numpy()
              for z, y, b in job.sample_inputs(40, 20, 8, 10, 0, truncation=0.5)]
    want = metrics.inception_score.inception_score(logits=np.concatenate(logits), num_splits=1).mean
    self.assertAllClose(record["is_mean"], want, rtol=1e-6)
    off = job.evaluate_checkpoint(restore.load_run(model_dir, 2), self._config())
    self.assertEqual((off["truncation"], off["standing_stats"]), (None, None))
    self.assertEqual(off["protocol"]["generator_mode"], "inference (batch-norm moving statistics)")
    self.assertNotAlmostEqual(off["is_mean"], record["is_mean"], places=4)

  def test_watch_records_and_exports_with_the_options(self):
    d = os.path.join(_tempdir(self), "run")
    __import__("shutil").copytree(image_run_dir(self), d, ignore=lambda *_: ["eval"])
    before = _checkpoint_bytes(d)
    cfg = self._config(truncation=0.8, standing_stats_batches=2, standing_stats_batch_size=16)
    self.assertEqual(job.watch(d, cfg, once=True), "once")
    with open(os.path.join(d, "eval", "metrics.jsonl")) as f:
      (line,) = [json.loads(l) for l in f]
    self.assertEqual((line["step"], line["truncation"]), (2, 0.8))
    self.assertEqual(line["standing_stats"]["batches"], 2)
    best = records.read_json(os.path.join(d, "eval", "best.json"))
    self.assertEqual((best["truncation"], best["standing_stats"]), (0.8, line["standing_stats"]))
    g = tf.saved_model.load(best["saved_model"])
    self.assertAllClose(g.truncation.numpy(), 0.8)
    z, labels = latents.truncated_normal([4, 8], 0.8, 5), tf.constant([0, 1, 2, 3])
    got = g.signatures["serving_default"](z=z, labels=labels)["images"].numpy()
    np.testing.assert_array_equal(got, plots.to_uint8(_with_standing(d, truncation=0.8).sample(z, labels).numpy()))
    self.assertEqual(_checkpoint_bytes(d), before)

  def test_a_restarted_job_with_other_settings_warns(self):
    cfg = self._config(truncation=0.5).validate()
    same = [dict(step=2, truncation=0.5, standing_stats=None)]
    with self.assertNoLogs("absl", level="WARNING"):
      watcher._warn_if_settings_changed(same, cfg, "m.jsonl")  # pylint: disable=protected-access
    changed = [dict(step=2, truncation=None, standing_stats=None)] + same
    with self.assertLogs("absl", level="WARNING") as logs:
      watcher._warn_if_settings_changed(changed, cfg, "m.jsonl")  # pylint: disable=protected-access
    self.assertLen(logs.output, 1)
    self.assertIn("step 2 was sampled with truncation=None, standing_stats=None; this job uses truncation=0.5",
                  logs.output[0])

  def test_bad_values_write_nothing(self):
    for kwargs, message in ((dict(truncation=-1.0), r"^truncation=-1.0 is not valid: expected a threshold > 0"),
                            (dict(standing_stats_batches=-1), r"^standing_stats_batches=-1 is not valid: expected "
                                                              r"an int >= 0 \(0: no standing statistics\)$"),
                            (dict(standing_stats_batch_size=0), r"^standing_stats_batch_size=0 is not valid")):
      with self.assertRaisesRegex(ValueError, message):
        self._config(**kwargs).validate()
    d = os.path.join(_tempdir(self), "run")
    __import__("shutil").copytree(image_run_dir(self), d, ignore=lambda *_: ["eval"])
    script = os.path.join(REPO, "eval", "run_eval.py")
    bad = forkserver.run([sys.executable, script, f"--model_dir={d}", "--once", "--truncation=-0.5",
                          "--inception=none"], env=_subprocess_env(), cwd=REPO, timeout=300)
    self.assertEqual(bad.returncode, 1)
    self.assertEqual(bad.stderr.strip().splitlines()[-1], "error: truncation=-0.5 is not valid: expected a threshold "
                     "> 0 (e.g. 0.5; BigGAN §3.1), or 0 / None for no truncation")
    self.assertFalse(os.path.exists(os.path.join(d, "eval")))


if __name__ == "__main__":
  tf.test.main()
