"""The sidecar eval job on tiny real runs: watcher, restart, deleted checkpoint, TRAIN_DONE, --once, timeout,
best export, EMA choice, metric wiring checked against in-memory recomputation, bad input, CLI.

Two runs are trained once per class: the 2-D ring (discriminator-side metrics, no image metrics) and, when
../shared/data/mnist exists, a tiny 32 px MNIST DCGAN run (every image metric, with stand-in extractors:
fixed random projections with the FeatureExtractor interface, and an untrained classifier SavedModel loaded
through the real `classifier:` spec).
"""

import json
import os
import shutil
import subprocess
import sys
from unittest import mock

import gin
import numpy as np
import tensorflow as tf

from tests import forkserver
from tfgan_mh import cli
from tfgan_mh import data
from tfgan_mh import losses
from tfgan_mh import metrics
from tfgan_mh.cli import train as train_main
from tfgan_mh.evaluation import job
from tfgan_mh.evaluation import records
from tfgan_mh.evaluation import streaming
from tfgan_mh.evaluation.metric_groups import energy
from tfgan_mh.training import loop
from tfgan_mh.run import restore

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "mnist"))
TINY = ["train.num_steps = 4", "train.global_batch_size = 16", "cadence.steps_per_loop = 1",
        "cadence.save_every = 2", "cadence.summary_every = 2", "cadence.image_every = 4", "cadence.log_every = 2",
        "ema.decay = 0.5"]
RING_CFG = dict(num_samples=100, batch_size=50, num_validation=200, best_metric="self_accuracy",
                metrics="default")


def _train(model_dir, extra=()):
  gin.clear_config()
  cli.parse_gin([train_main.DEFAULT_GIN], TINY + list(extra))
  loop.train(model_dir)
  gin.clear_config()


def _copy_run(src, dst):
  shutil.copytree(src, dst, ignore=shutil.ignore_patterns("eval"))
  return dst


def _lines(model_dir):
  with open(os.path.join(model_dir, "eval", "metrics.jsonl")) as f:
    return [json.loads(line) for line in f]


def _read(path):
  with open(path, "rb") as f:
    return f.read()


def _summary_tags(event_dir):
  tags = {}
  for path in tf.io.gfile.glob(os.path.join(event_dir, "events.out.tfevents.*")):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        tags.setdefault(value.tag, set()).add(event.step)
  return tags


class RingJobTest(tf.test.TestCase):
  """The 2-D ring: 10 classes, projection + classifier D, EMA G."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = os.path.join(tf.compat.v1.test.get_temp_dir(), "job_ring")
    shutil.rmtree(cls.root, ignore_errors=True)
    cls.run_dir = os.path.join(cls.root, "run")
    _train(cls.run_dir)

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _fresh(self):
    return _copy_run(self.run_dir, os.path.join(self.create_tempdir().full_path, "run"))

  def test_watch_restart_and_best_export(self):
    d = self._fresh()
    with self.assertLogs("absl", level="INFO") as logs:
      self.assertEqual(job.watch(d, job.EvalConfig(**RING_CFG), poll_secs=1), "done")
    self.assertTrue(any("ema_generator" in m for m in logs.output))
    lines = _lines(d)
    self.assertEqual([r["step"] for r in lines], [2, 4])
    for r in lines:
      self.assertEqual(r["generator"], "ema_generator")
      self.assertEqual(r["num_samples"], 100)
      self.assertEqual(r["num_validation"], 200)
      self.assertEqual(r["errors"], {})
      for key in ("validation_accuracy", "self_accuracy", "d_real_accuracy", "d_fake_accuracy",
                  "projection_accuracy"):
        self.assertBetween(r[key], 0.0, 1.0)
        self.assertAlmostEqual(r[key] * (200 if key in ("validation_accuracy", "d_real_accuracy",
                                                        "projection_accuracy") else 100) % 1, 0.0)
      self.assertIn("not images", r["absent"]["fid"])
      self.assertIn("energy", r["absent"])
      self.assertNotIn("gan_train", r["absent"])  # opt-in, not asked for
    # best.json: the highest self accuracy (first of ties), and its exported generator.
    best = records.read_json(os.path.join(d, "eval", "best.json"))
    top = max(lines, key=lambda r: r["self_accuracy"])
    self.assertEqual((best["step"], best["metric"], best["mode"]), (top["step"], "self_accuracy", "max"))
    self.assertEqual(best["value"], top["self_accuracy"])
    self.assertEqual(restore.resolve_checkpoint(d, "best"), best["checkpoint"])
    loaded = tf.saved_model.load(best["saved_model"])
    run = restore.load_run(d, best["step"])
    z = np.random.default_rng(5).standard_normal((6, run.generator.z_dim)).astype(np.float32)
    y = np.arange(6, dtype=np.int32) % 10
    exported = loaded.signatures["serving_default"](z=tf.constant(z), labels=tf.constant(y))["samples"]
    self.assertAllClose(exported, run.sample(z, y, use_ema=True), atol=1e-5)
    self.assertTrue(bool(loaded.ema.numpy()))
    # TensorBoard scalars under MODEL_DIR/eval at both steps.
    tags = _summary_tags(os.path.join(d, "eval"))
    self.assertEqual(tags["self_accuracy"], {2, 4})
    self.assertIn("timing/total_seconds", tags)
    # Restart: nothing is evaluated again, the file is unchanged.
    before = _read(os.path.join(d, "eval", "metrics.jsonl"))
    with self.assertLogs("absl", level="INFO") as logs:
      self.assertEqual(job.watch(d, job.EvalConfig(**RING_CFG), poll_secs=1), "done")
    self.assertTrue(any("already holds steps 2, 4" in m for m in logs.output))
    self.assertEqual(_read(os.path.join(d, "eval", "metrics.jsonl")), before)

  def test_checkpoint_deleted_between_listing_and_restore_is_skipped(self):
    d = self._fresh()
    real_load = restore.load_run

    def delete_then_load(model_dir, prefix, **kwargs):
      if prefix.endswith("ckpt-2"):  # the trainer's CheckpointManager removes ckpt-2 after the job listed it
        for path in tf.io.gfile.glob(os.path.join(d, "ckpt-2.*")):
          os.remove(path)
      return real_load(model_dir, prefix, **kwargs)

    with mock.patch.object(restore, "load_run", delete_then_load):
      with self.assertLogs("absl", level="WARNING") as logs:
        self.assertEqual(job.watch(d, job.EvalConfig(**RING_CFG), poll_secs=1), "done")
    self.assertTrue(any("ckpt-2 (step 2) was deleted before it could be evaluated" in m for m in logs.output))
    self.assertEqual([r["step"] for r in _lines(d)], [4])

  def test_once_then_timeout_without_train_done(self):
    d = self._fresh()
    os.remove(os.path.join(d, loop.TRAIN_DONE))
    cfg = job.EvalConfig(**RING_CFG)
    self.assertEqual(job.watch(d, cfg, once=True), "once")
    self.assertEqual([r["step"] for r in _lines(d)], [4])
    self.assertEqual(job.watch(d, cfg, once=True), "once")  # the latest is done already: nothing new
    self.assertEqual([r["step"] for r in _lines(d)], [4])
    with self.assertLogs("absl", level="WARNING") as logs:
      self.assertEqual(job.watch(d, cfg, timeout=1.0, poll_secs=1), "timeout")
    self.assertTrue(any("no new checkpoint" in m for m in logs.output))
    self.assertEqual(sorted(r["step"] for r in _lines(d)), [2, 4])

  def test_truncated_last_line_is_set_aside_and_evaluated_again(self):
    d = self._fresh()
    cfg = job.EvalConfig(**RING_CFG)
    job.watch(d, cfg, poll_secs=1)
    path = os.path.join(d, "eval", "metrics.jsonl")
    first, second = _read(path).splitlines(keepends=True)
    with open(path, "wb") as f:
      f.write(first + second[:40])  # a write cut short by a crash
    with self.assertLogs("absl", level="WARNING") as logs:
      self.assertEqual(job.watch(d, cfg, poll_secs=1), "done")
    self.assertTrue(any("truncated line" in m for m in logs.output))
    after = _read(path).splitlines(keepends=True)
    self.assertLen(after, 2)
    self.assertEqual(after[0], first)  # nothing complete is lost
    self.assertEqual(json.loads(after[1])["step"], 4)
    self.assertEqual(_read(path + ".truncated"), second[:40] + b"\n")

  def test_raw_generator_and_self_accuracy_by_hand(self):
    run = restore.load_run(self.run_dir, 2)
    cfg = job.EvalConfig(num_samples=60, batch_size=25, metrics="self_accuracy,d_accuracy", best_metric=None,
                         use_ema=False)
    record = job.evaluate_checkpoint(run, cfg)
    self.assertEqual(record["generator"], "generator")
    correct, fake_correct = [], []
    for z, y, b in job.sample_inputs(60, 25, run.generator.z_dim, 10, 0):
      x = run.sample(z, y, use_ema=False)
      out = run.discriminator(x, y, training=False)
      correct.append(np.argmax(out.class_logits.numpy(), 1)[:b] == y[:b])
      fake_correct.append(out.adv_logits.numpy()[:b] < 0)
    self.assertAlmostEqual(record["self_accuracy"], np.mean(np.concatenate(correct)))
    self.assertAlmostEqual(record["d_fake_accuracy"], np.mean(np.concatenate(fake_correct)))
    self.assertEqual(job.evaluate_checkpoint(run, cfg.__class__(**{**cfg.__dict__, "use_ema": True}))["generator"],
                     "ema_generator")

  def test_ring_mixture_metrics_equal_in_memory_computation(self):
    # The embedded default had no metric of its samples: now the mixture metrics of the ring (002 §3.1).
    run = restore.load_run(self.run_dir, 4)
    cfg = job.EvalConfig(num_samples=120, batch_size=50, metrics="mixture", best_metric=None)
    record = job.evaluate_checkpoint(run, cfg)
    self.assertEqual(record["errors"], {})
    points, labels = [], []
    for z, y, b in job.sample_inputs(120, 50, run.generator.z_dim, 10, 0):
      points.append(run.sample(z, y, use_ema=True).numpy()[:b])
      labels.append(y[:b])
    source = data.build_source()
    real = source.arrays("validation")[0]
    expected = metrics.mixture.ring_metrics(np.concatenate(points), real, source.means, source.std,
                                            labels=np.concatenate(labels))
    for key in ("ring_high_quality_2std", "ring_high_quality_3std", "ring_modes_covered", "ring_mode_counts",
                "ring_own_mode_share", "ring_own_mode_share_per_class", "ring_energy_distance",
                "ring_sliced_wasserstein"):
      self.assertEqual(record[key], expected[key], key)
    self.assertEqual(record["ring_real_modes_covered"], 10)
    self.assertBetween(record["ring_real_high_quality_3std"], 0.98, 1.0)  # Rayleigh: 1 - exp(-4.5) = 0.989
    self.assertEqual(record["ring_num_real"], 10_000)

  def test_every_record_states_its_protocol(self):
    run = restore.load_run(self.run_dir, 4)
    record = job.evaluate_checkpoint(run, job.EvalConfig(num_samples=40, batch_size=20, best_metric=None))
    p = record["protocol"]
    self.assertEqual((p["num_samples"], p["seed"], p["generator"]), (40, 0, "ema_generator"))
    self.assertEqual((p["is_splits"], p["is_splits_from"]), (10, "run"))  # the default, stored by the train job
    self.assertEqual(p["validation_reference"], {"split": "validation", "size": 10_000})
    self.assertIn("balanced", p["eval_labels"])
    self.assertTrue(p["train_fake_labels"].startswith("uniform (auto: class counts 5000-5000"))
    self.assertIsNone(p["inception"])
    json.dumps(record["protocol"])  # JSON as it is

  def test_inputs_are_balanced_and_seeded(self):
    batches = list(job.sample_inputs(25, 10, 3, 5, seed=7))
    self.assertEqual([b for _, _, b in batches], [10, 10, 5])
    labels = np.concatenate([y[:b] for _, y, b in batches])
    self.assertAllEqual(np.bincount(labels), [5] * 5)
    again = list(job.sample_inputs(25, 10, 3, 5, seed=7))
    self.assertAllEqual(batches[2][0], again[2][0])

  def test_projection_matrix_in_one_pass_equals_k_passes(self):
    run = restore.load_run(self.run_dir, 4)
    x, y = data.build_source().arrays("validation")
    x, y = tf.constant(x[:32]), tf.constant(y[:32])
    out, matrix = job.projection_matrix_fn(run.discriminator, 10)(x, y)
    reference = metrics.projection_logits(lambda a, b: run.discriminator(a, b, training=False), x, 10)
    self.assertAllClose(matrix, reference, atol=1e-5)
    self.assertAllClose(tf.gather(matrix, y, batch_dims=1), out.adv_logits, atol=1e-5)

  def test_bad_input(self):
    for kwargs, message in [
        (dict(metrics="is,bogus"), "unknown metric 'bogus'"),
        (dict(best_metric="lowest"), "best_metric='lowest'"),
        (dict(best_metric="gan_train"), "needs the metric group 'gan_train'"),
        (dict(inception="inceptionv3"), "--inception='inceptionv3' is not an extractor spec"),
        (dict(classifier="classifier:"), "--classifier='classifier:' is not an extractor spec"),
        (dict(num_samples=5, num_splits=10), "smaller than num_splits=10"),
        (dict(num_splits=0), "num_splits=0: expected a positive int"),
        (dict(intra_fid_split="dev"), "intra_fid_split='dev': expected one of auto, train, validation, test"),
        (dict(intra_fid_min_per_class=0), "intra_fid_min_per_class=0"),
        (dict(batch_size=0), "batch_size=0"),
        (dict(best_mode="lowest"), "best_mode='lowest'"),
        (dict(validation_split="dev"), "validation_split='dev'")]:
      with self.assertRaisesRegex(ValueError, message):
        job.EvalConfig(**kwargs).validate()
    cfg = job.EvalConfig(**RING_CFG)
    empty = self.create_tempdir().full_path
    with self.assertRaisesRegex(ValueError, "does not exist: not a tfgan_mh run"):
      job.watch(os.path.join(empty, "nope"), cfg)
    with self.assertRaisesRegex(ValueError, "has no run_info.json"):
      job.watch(empty, cfg)
    with self.assertRaisesRegex(ValueError, r"holds runs \(run\), it is not one"):
      job.watch(self.root, cfg)
    with self.assertRaisesRegex(ValueError, "poll_secs=0"):
      job.watch(self.run_dir, cfg, poll_secs=0)
    no_ckpt = self.create_tempdir().full_path
    shutil.copy(os.path.join(self.run_dir, restore.RUN_INFO), no_ckpt)
    shutil.copy(os.path.join(self.run_dir, restore.OPERATIVE_CONFIG), no_ckpt)
    with self.assertRaisesRegex(ValueError, "has no checkpoint yet"):
      job.watch(no_ckpt, cfg, once=True)
    # A failing job never loses what metrics.jsonl holds.
    d = self._fresh()
    job.watch(d, cfg, once=True)
    before = _read(os.path.join(d, "eval", "metrics.jsonl"))
    with self.assertRaisesRegex(ValueError, "unknown metric"):
      job.watch(d, job.EvalConfig(metrics="nonsense"))
    self.assertEqual(_read(os.path.join(d, "eval", "metrics.jsonl")), before)

  def test_cli_and_launch_script(self):
    d = self._fresh()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    script = os.path.join(REPO, "eval", "run_eval.py")
    ok = forkserver.run([sys.executable, script, f"--model_dir={d}", "--once", "--num_samples=50",
                         "--batch_size=50", "--num_validation=100", "--metrics=self_accuracy,validation_accuracy",
                         "--best_metric=self_accuracy", "--inception=none"], env=env, cwd=REPO)
    self.assertEqual(ok.returncode, 0, ok.stderr[-2000:])
    self.assertEqual(ok.stdout.strip(), f"once: {d}/eval/metrics.jsonl")
    self.assertEqual([r["step"] for r in _lines(d)], [4])
    bad = forkserver.run([sys.executable, script, f"--model_dir={d}", "--metrics=is,bogus"], env=env, cwd=REPO)
    self.assertEqual(bad.returncode, 1)
    self.assertEqual(bad.stderr.strip().splitlines()[-1],
                     "error: unknown metric 'bogus': valid names are default, all, " + ", ".join(job.METRIC_GROUPS))
    self.assertEqual([r["step"] for r in _lines(d)], [4])
    launch = os.path.join(REPO, "launch", "eval.sh")
    dry = subprocess.run([launch, d, "--once", "--dry_run", "--metrics=is"], capture_output=True, text=True,
                         check=False)
    self.assertEqual(dry.returncode, 0)
    self.assertIn(f"-m tfgan_mh.eval --model_dir={d} --once --metrics=is", dry.stdout)
    usage = subprocess.run([launch], capture_output=True, text=True, check=False)
    self.assertEqual(usage.returncode, 2)
    self.assertIn("usage:", usage.stderr)


class _Projection:
  """A stand-in extractor: fixed random projection of the pixels (features) and a linear map (logits)."""

  def __init__(self, name, num_logits, feature_dim, seed, pixels=32 * 32):
    rng = np.random.default_rng(seed)
    self.name, self.num_logits, self.feature_dim = name, num_logits, feature_dim
    self.w_features = tf.constant(rng.standard_normal((pixels, feature_dim)).astype(np.float32) / 8.0)
    self.w_logits = tf.constant(rng.standard_normal((feature_dim, num_logits)).astype(np.float32) * 2.0)

  def __call__(self, images):
    x = tf.reshape(tf.convert_to_tensor(images, tf.float32), [-1, self.w_features.shape[0]])
    features = tf.tanh(x @ self.w_features)  # [B, d]
    return features @ self.w_logits, features


class MnistJobTest(tf.test.TestCase):
  """Every image metric on a tiny 32 px MNIST DCGAN run (4 steps, checkpoints 2 and 4, EMA)."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    if not os.path.isdir(MNIST):
      raise __import__("unittest").SkipTest(f"MNIST idx files not found at {MNIST} (../shared/data/mnist)")
    cls.root = os.path.join(tf.compat.v1.test.get_temp_dir(), "job_mnist")
    shutil.rmtree(cls.root, ignore_errors=True)
    cls.run_dir = os.path.join(cls.root, "run")
    _train(cls.run_dir, ["build_source.name = 'mnist_idx'", f"build_source.path = '{MNIST}'",
                         "build_source.resolution = 32", "build_generator.arch = 'dcgan'",
                         "build_generator.ch = 8", "build_discriminator.arch = 'dcgan'",
                         "build_discriminator.ch = 8"])
    from tfgan_mh.evaluation import classifier  # pylint: disable=g-import-not-at-top
    cls.classifier_dir = os.path.join(cls.root, "classifier")
    tf.keras.utils.set_random_seed(0)
    classifier.export(classifier.build_classifier((32, 32, 1), 10), cls.classifier_dir)
    cls.inception = _Projection("stand-in", 20, 16, seed=0)
    cls.cfg = dict(num_samples=200, batch_size=50, num_real=300, num_validation=300, metrics="all",
                   inception=cls.inception, classifier=f"classifier:{cls.classifier_dir}", pairwise_base=16,
                   ms_ssim_images_per_class=10, ms_ssim_pairs_per_class=10, gan_train_epochs=1)
    gin.clear_config()
    cls.status = job.watch(cls.run_dir, job.EvalConfig(**cls.cfg), poll_secs=1)
    gin.clear_config()

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_every_image_metric_is_recorded_and_sane(self):
    self.assertEqual(self.status, "done")
    lines = _lines(self.run_dir)
    self.assertEqual([r["step"] for r in lines], [2, 4])
    for r in lines:
      self.assertEqual(r["generator"], "ema_generator")
      self.assertEqual(r["errors"], {})
      self.assertEqual(list(r["absent"]), ["energy", "mixture"])
      self.assertEqual((r["inception"], r["classifier"]), ("stand-in", f"classifier:{self.classifier_dir}"))
      self.assertBetween(r["is_mean"], 1.0, 20.0)  # 1 <= IS <= number of logits
      self.assertBetween(r["classifier_is_mean"], 1.0, 10.0)
      self.assertAlmostEqual(r["is_mean_sample_entropy"] <= r["is_marginal_entropy"], True)
      self.assertGreater(r["fid"], 0.0)
      self.assertAlmostEqual(r["fid"], r["fid_mean_term"] + r["fid_trace_term"])
      self.assertLen(r["intra_fid_per_class"], 10)
      self.assertAlmostEqual(r["intra_fid_mean"], np.mean(r["intra_fid_per_class"]))
      for key in ("validation_accuracy", "self_accuracy", "d_real_accuracy", "d_fake_accuracy",
                  "projection_accuracy", "gan_test", "gan_train", "confidence_mean"):
        self.assertBetween(r[key], 0.0, 1.0)
      self.assertAlmostEqual(r["am_score"], r["am_score_kl"] + r["am_score_entropy"])
      self.assertGreaterEqual(r["am_score_kl"], 0.0)
      self.assertEqual(sum(r["confidence_histogram"]), 200)
      self.assertAlmostEqual(sum(r["class_histogram"]), 1.0)
      self.assertEqual(r["class_histogram_max"], max(r["class_histogram"]))
      self.assertLen(r["ms_ssim_per_class"], 10)
      self.assertEqual(r["ms_ssim_max"], max(r["ms_ssim_per_class"]))
      self.assertBetween(r["ms_ssim_mean"], 0.0, 1.0)
      self.assertEqual(r["ms_ssim_labels"], "conditioning")
      self.assertEqual(sorted(k for k in r if k.startswith("pairwise_distance_") and not k.endswith("_std")),
                       ["pairwise_distance_128", "pairwise_distance_16", "pairwise_distance_32",
                        "pairwise_distance_64"])
      self.assertGreater(r["pairwise_distance_16"], 0.0)
      self.assertGreater(r["kid_mean"], 0.0)  # an untrained G: far from the data, even unbiased
      for key in ("precision", "recall", "coverage"):
        self.assertBetween(r[key], 0.0, 1.0)
      self.assertGreaterEqual(r["density"], 0.0)
      p = r["protocol"]
      self.assertEqual(p["fid_reference"], {"split": "train", "size": 300})
      self.assertEqual((p["is_splits"], p["is_splits_from"]), (10, "run"))  # eval_protocol default, stored
      self.assertEqual(p["inception"]["name"], "stand-in")
      self.assertIn("area to shrink", p["classifier"]["resize"])
    tags = _summary_tags(os.path.join(self.run_dir, "eval"))
    self.assertEqual(tags["fid"], {2, 4})
    self.assertIn("intra_fid_per_class/009", tags)
    self.assertIn("confidence", tags)  # histogram

  def test_streamed_is_fid_and_self_accuracy_equal_in_memory_computation(self):
    record = _lines(self.run_dir)[1]
    run = restore.load_run(self.run_dir, 4)
    source = data.build_source()
    fake_logits, fake_features, correct = [], [], []
    for z, y, b in job.sample_inputs(200, 50, run.generator.z_dim, 10, 0):
      x = run.sample(z, y, use_ema=True)
      logits, features = self.inception(x[:b])
      fake_logits.append(logits.numpy())
      fake_features.append(features.numpy())
      out = run.discriminator(x, y, training=False)
      correct.append(np.argmax(out.class_logits.numpy()[:b], 1) == y[:b])
    real_x, _ = source.arrays("train")
    real_x = np.asarray(real_x[:300], np.float32) / 127.5 - 1.0 if real_x.dtype == np.uint8 else real_x[:300]
    _, real_features = self.inception(real_x)
    fake_features = np.concatenate(fake_features)
    real_features = real_features.numpy()
    # KID, precision-recall, density-coverage: the kept features (300 real, 200 generated: under the cap).
    self.assertEqual(record["protocol"]["kept_features"],
                     {"real": 300, "generated": 200, "split": "train", "extractor": "stand-in"})
    kid_mean, kid_std = metrics.kernel_inception_distance(real_features, fake_features, num_subsets=100,
                                                          subset_size=1000, seed=0)
    self.assertAllClose((record["kid_mean"], record["kid_std"]), (kid_mean, kid_std), rtol=1e-4, atol=1e-6)
    self.assertEqual(record["kid_subset_size"], 200)
    self.assertAllClose(record["cmmd"], metrics.cmmd.cmmd(real_features, fake_features), rtol=1e-4, atol=1e-6)
    one = 1.0 / 200 + 1e-9  # a point on a ball's boundary may flip with float32 round-off of the features
    for key, value in zip(("precision", "recall"), metrics.precision_recall(real_features, fake_features, k=3)):
      self.assertAlmostEqual(record[key], value, delta=one)
    for key, value in zip(("density", "coverage"), metrics.density_coverage(real_features, fake_features, k=5)):
      self.assertAlmostEqual(record[key], value, delta=one)
    score = metrics.inception_score.inception_score(logits=np.concatenate(fake_logits), num_splits=10)
    self.assertAllClose(record["is_mean"], score.mean, rtol=1e-6)
    self.assertAllClose(record["is_std"], score.std, rtol=1e-5)
    self.assertAllClose(record["is_marginal_entropy"], score.marginal_entropy, rtol=1e-6)
    fid = metrics.fid_from_features(real_features, fake_features)
    self.assertAllClose(record["fid"], fid, rtol=1e-5)
    self.assertAlmostEqual(record["self_accuracy"], np.mean(np.concatenate(correct)))

  def test_intra_fid_reference_is_the_held_out_split_with_per_class_counts(self):
    # Before: the first num_real training images (300 here, ~30 per class). Now the held-out t10k images (the
    # idx source serves them as "validation"), all of them.
    ref = _lines(self.run_dir)[0]["protocol"]["intra_fid_reference"]
    test_labels = data.build_source("mnist_idx", path=MNIST).arrays("validation")[1]
    counts = np.bincount(test_labels, minlength=10).tolist()
    self.assertEqual(ref["split"], "validation")
    self.assertEqual(ref["per_class_counts"], counts)
    self.assertEqual((ref["size"], ref["min_per_class"], ref["max_per_class"]), (10_000, min(counts), max(counts)))
    self.assertFalse(ref["low_sample"])  # ~1000 per class > 16-d stand-in features + 1

  def test_intra_fid_refuses_too_few_real_per_class_before_writing(self):
    d = _copy_run(self.run_dir, os.path.join(self.create_tempdir().full_path, "run"))
    cfg = job.EvalConfig(**{**self.cfg, "metrics": "intra_fid", "best_metric": None,
                            "intra_fid_min_per_class": 1000})
    with self.assertRaises(ValueError) as ctx:
      job.watch(d, cfg, poll_secs=1)
    message = str(ctx.exception)
    self.assertNotIn("\n", message)
    self.assertRegex(message, r"split 'validation' has fewer than intra_fid_min_per_class=1000 real samples in \d+ "
                              r"of 10 classes \(class 0: 980, ")
    self.assertFalse(os.path.exists(os.path.join(d, "eval", "metrics.jsonl")))

  def test_one_split_protocol_of_000_experiments(self):
    # A run whose gin says eval_protocol.inception_score_splits = 1 (000) gets ONE IS over all samples.
    d = os.path.join(self.create_tempdir().full_path, "run")
    shutil.copytree(self.run_dir, d, ignore=shutil.ignore_patterns("eval"))
    info = restore.read_run_info(d)
    info["eval_protocol"] = {"inception_score_splits": 1}
    restore.write_run_info(d, info)
    run = restore.load_run(d, 4)
    cfg = job.EvalConfig(**{**self.cfg, "metrics": "is", "best_metric": None, "num_samples": 100})
    record = job.evaluate_checkpoint(run, cfg)
    gin.clear_config()
    logits = [self.inception(run.sample(z, y, use_ema=True)[:b])[0].numpy()
              for z, y, b in job.sample_inputs(100, 50, run.generator.z_dim, 10, 0)]
    one = metrics.inception_score.inception_score(logits=np.concatenate(logits), num_splits=1)
    ten = metrics.inception_score.inception_score(logits=np.concatenate(logits), num_splits=10)
    self.assertAllClose(record["is_mean"], one.mean, rtol=1e-6)
    self.assertEqual(record["is_std"], 0.0)
    self.assertGreater(one.mean, ten.mean)  # 10 splits of a few samples are biased low
    self.assertEqual((record["protocol"]["is_splits"], record["protocol"]["is_splits_from"]), (1, "run"))
    self.assertIn("TF-GAN", record["protocol"]["is_splits_source"])

  def test_best_export_is_the_lowest_fid_ema_generator(self):
    lines = _lines(self.run_dir)
    best = records.read_json(os.path.join(self.run_dir, "eval", "best.json"))
    top = min(lines, key=lambda r: r["fid"])
    self.assertEqual((best["metric"], best["mode"], best["step"], best["value"]), ("fid", "min", top["step"],
                                                                                     top["fid"]))
    self.assertEqual(best["generator"], "ema_generator")
    loaded = tf.saved_model.load(best["saved_model"])
    run = restore.load_run(self.run_dir, "best")
    self.assertEqual(run.step, top["step"])
    z = np.random.default_rng(3).standard_normal((4, run.generator.z_dim)).astype(np.float32)
    y = np.array([0, 3, 7, 9], np.int32)
    images = loaded.signatures["serving_default"](z=tf.constant(z), labels=tf.constant(y))["images"].numpy()
    self.assertEqual(images.dtype, np.uint8)
    self.assertEqual(images.shape, (4, 32, 32, 1))
    expected = np.clip(np.round((run.sample(z, y, use_ema=True).numpy() + 1.0) * 127.5), 0, 255)
    self.assertLessEqual(np.max(np.abs(images.astype(np.float64) - expected)), 1.0)

  def test_best_by_kid_is_chosen_from_the_records(self):
    d = _copy_run(self.run_dir, os.path.join(self.create_tempdir().full_path, "run"))
    os.makedirs(os.path.join(d, "eval"))
    shutil.copy(os.path.join(self.run_dir, "eval", "metrics.jsonl"), os.path.join(d, "eval", "metrics.jsonl"))
    lines = _lines(d)
    cfg = job.EvalConfig(**{**self.cfg, "metrics": "kid", "best_metric": "kid_mean"}).validate()
    self.assertEqual(cfg.resolved_best_mode, "min")
    job.BestTracker(d, "kid_mean", "min", True, lines)
    best = records.read_json(os.path.join(d, "eval", "best.json"))
    top = min(lines, key=lambda r: r["kid_mean"])
    self.assertEqual((best["metric"], best["step"], best["value"]), ("kid_mean", top["step"], top["kid_mean"]))
    self.assertTrue(os.path.isdir(best["saved_model"]))
    with self.assertRaisesRegex(ValueError, "best_metric='precision': expected one of"):
      job.EvalConfig(metrics="precision_recall", best_metric="precision").validate()
    self.assertEqual(job.EvalConfig(metrics="density_coverage", best_metric="coverage").validate()
                     .resolved_best_mode, "max")

  def test_a_stale_best_json_is_reconciled_with_the_records_on_start(self):
    # A job stopped after a better record reached metrics.jsonl and before best.json followed: the restart
    # recomputes the best from the records and exports it (issue: eval restart kept the worse best for good).
    d = _copy_run(self.run_dir, os.path.join(self.create_tempdir().full_path, "run"))
    os.makedirs(os.path.join(d, "eval"))
    shutil.copy(os.path.join(self.run_dir, "eval", "metrics.jsonl"), os.path.join(d, "eval", "metrics.jsonl"))
    lines = _lines(d)
    top, worst = min(lines, key=lambda r: r["fid"]), max(lines, key=lambda r: r["fid"])
    self.assertNotEqual(top["step"], worst["step"])
    stale = dict(checkpoint=worst["checkpoint"], step=worst["step"], metric="fid", value=worst["fid"], mode="min")
    records.write_json_atomic(os.path.join(d, "eval", "best.json"), stale)
    tracker = job.BestTracker(d, "fid", "min", True, lines)
    best = records.read_json(os.path.join(d, "eval", "best.json"))
    self.assertEqual((best["step"], best["value"], tracker.value), (top["step"], top["fid"], top["fid"]))
    self.assertTrue(os.path.isdir(best["saved_model"]))
    written = os.path.getmtime(os.path.join(d, "eval", "best.json"))
    job.BestTracker(d, "fid", "min", True, lines)  # now it names the records' best: kept, not exported again
    self.assertEqual(os.path.getmtime(os.path.join(d, "eval", "best.json")), written)

  def test_bad_extractor_keeps_metrics_jsonl(self):
    path = os.path.join(self.run_dir, "eval", "metrics.jsonl")
    before = _read(path)
    with self.assertRaisesRegex(ValueError, "extractor spec 'classifier:/nonexistent'"):
      job.watch(self.run_dir, job.EvalConfig(**{**self.cfg, "classifier": "classifier:/nonexistent"}))
    self.assertEqual(_read(path), before)


class PiecesTest(tf.test.TestCase):
  """Energy / margin wiring and the records file, without a run."""

  def test_a_best_metric_whose_extractor_is_missing_is_refused_up_front(self):
    for key in ("am_score", "gan_test", "classifier_is_mean"):
      with self.assertRaisesRegex(ValueError, f"^best_metric='{key}' needs --classifier .*classifier=None\\): "
                                              "pass --classifier=SPEC, or choose another best_metric$"):
        job.EvalConfig(metrics="default,am_score", best_metric=key).validate()
    with self.assertLogs("absl", "WARNING") as logs:  # the default best_metric: no export, said up front
      self.assertIsNone(job.EvalConfig(inception="none", best_metric="fid").validate().best_metric)
    self.assertIn("best_metric='fid' (the default) needs --inception, and inception='none': no best checkpoint",
                  logs.output[0])
    with self.assertRaisesRegex(ValueError, "^best_metric='kid_mean' needs --inception .*inception='none'"):
      job.EvalConfig(inception="none", metrics="kid", best_metric="kid_mean").validate()
    config = job.EvalConfig(metrics="default,am_score", best_metric="am_score", classifier="classifier:/c").validate()
    self.assertEqual(config.resolved_best_mode, "min")

  def test_checkpoint_margin_and_energy_metric(self):
    state = losses.MarginState()
    state._margin.assign(0.75)  # pylint: disable=protected-access
    prefix = tf.train.Checkpoint(margin_state=state, step=tf.Variable(3)).save(
        os.path.join(self.create_tempdir().full_path, "ckpt"))
    self.assertAlmostEqual(job.checkpoint_margin(prefix), 0.75)
    other = tf.train.Checkpoint(step=tf.Variable(3)).save(os.path.join(self.create_tempdir().full_path, "c"))
    self.assertIsNone(job.checkpoint_margin(other))
    m = energy.EnergyMetric(0.75)
    real, fake = np.array([0.1, 0.3, 0.2]), np.array([0.5, 0.9, 1.2, 0.7])
    m.update_real(streaming.RealBatch(images=None, labels=None, energy=real))
    m.update_fake(streaming.FakeBatch(images=None, labels=None, energy=fake[:2]))
    m.update_fake(streaming.FakeBatch(images=None, labels=None, energy=fake[2:]))
    r = m.result()
    self.assertAlmostEqual(r["energy_real_mean"], 0.2)
    self.assertAlmostEqual(r["energy_fake_mean"], 0.825)
    self.assertAlmostEqual(r["energy_gap"], 0.625)
    self.assertAlmostEqual(r["energy_fake_inside_margin"], 0.5)  # 0.5 and 0.7 < m
    self.assertEqual(r["margin"], 0.75)

  def test_records_roundtrip_nan_and_missing_newline(self):
    path = os.path.join(self.create_tempdir().full_path, "metrics.jsonl")
    self.assertEqual(records.read_records(path), [])
    records.append_record(path, {"step": 1, "fid": float("nan"), "h": np.arange(3), "x": np.float32(0.5)})
    with open(path, "a") as f:
      f.write('{"step": 2}')  # complete, newline missing
    self.assertEqual(records.read_records(path), [{"step": 1, "fid": None, "h": [0, 1, 2], "x": 0.5},
                                                  {"step": 2}])
    records.append_record(path, {"step": 3})
    self.assertEqual([r["step"] for r in records.read_records(path)], [1, 2, 3])

  def test_parse_metrics(self):
    self.assertEqual(job.parse_metrics("default"), job.DEFAULT_GROUPS)
    self.assertNotIn("gan_train", job.DEFAULT_GROUPS)
    self.assertEqual(job.parse_metrics("default,gan_train"), job.METRIC_GROUPS)
    self.assertEqual(job.parse_metrics("fid, is"), ("is", "fid"))
    with self.assertRaisesRegex(ValueError, "selects nothing"):
      job.parse_metrics(",")
