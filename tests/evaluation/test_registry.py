"""The metric registry and the eval settings: what the groups declare, one default per setting reachable by
flag and gin with the stated precedence, and a metric added as one module (here: one class in the test)."""

import glob
import os

import gin
import numpy as np
import tensorflow as tf
from absl import flags

from tfgan_mh.data import arrays
from tfgan_mh.evaluation import config
from tfgan_mh.evaluation import evaluator
from tfgan_mh.evaluation import job
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import samples
from tfgan_mh.evaluation import streaming


def _flags(argv):
  fv = flags.FlagValues()
  config.define_flags(fv)
  fv(["prog"] + list(argv))
  return fv


class RegistryTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_groups_declare_what_the_job_reads(self):
    groups = registry.groups()
    self.assertEqual(tuple(groups), job.METRIC_GROUPS)
    self.assertEqual(job.DEFAULT_GROUPS, tuple(n for n in groups if n != "gan_train"))  # the one opt-in group
    for name, g in groups.items():
      self.assertTrue(g.doc and g.keys, name)
      self.assertContainsSubset(set(g.best), set(g.keys), name)  # --best_metric keys are record keys
      self.assertContainsSubset(set(g.best.values()), {"min", "max"}, name)
      self.assertIn(name, registry.table())
    self.assertEqual(job.BEST_METRICS["kid_mean"], ("kid", "min"))
    self.assertEqual(job.BEST_METRICS["coverage"], ("density_coverage", "max"))
    self.assertNotIn("precision", job.BEST_METRICS)  # alone it rewards a collapsed G
    self.assertIn("kid", job.__doc__)  # the docstring table comes from the registry
    fields = {f.name for f in __import__("dataclasses").fields(config.EvalConfig)}
    self.assertContainsSubset({"kid_subsets", "precision_recall_k", "density_coverage_k", "ms_ssim_pairs_per_class",
                               "max_kept_features"}, fields)  # the groups' settings are EvalConfig fields

  def test_parse_metrics_orders_and_expands(self):
    self.assertEqual(registry.parse_metrics("density_coverage,kid,fid"), ("fid", "kid", "density_coverage"))
    self.assertEqual(registry.parse_metrics("all"), job.METRIC_GROUPS)
    with self.assertRaisesRegex(ValueError, "unknown metric 'kdi': valid names are default, all, is, fid"):
      registry.parse_metrics("kdi")

  def test_settings_by_flag_and_gin_with_one_default(self):
    cfg = config.config_from_flags(_flags([]))
    self.assertEqual((cfg.num_samples, cfg.kid_subset_size, cfg.classifier, cfg.num_splits), (10_000, 1000, None, None))
    self.assertEqual(cfg.num_samples, config.EvalConfig().num_samples)  # the flag default is the field default
    # default < gin < a flag given on the command line.
    fv = _flags(["--num_samples=7", "--gin_param=EvalConfig.num_samples = 5",
                 "--gin_param=EvalConfig.kid_subset_size = 50", "--gin_param=EvalConfig.metrics = 'kid,fid'",
                 "--pairwise_multiples=1,3", "--intra_fid_classes=0-2,7", "--num_real=0", "--truncation=0.5"])
    cfg = config.config_from_flags(fv)
    self.assertEqual((cfg.num_samples, cfg.kid_subset_size, cfg.metrics), (7, 50, ("fid", "kid")))
    self.assertEqual((cfg.pairwise_multiples, cfg.intra_fid_classes, cfg.num_real, cfg.truncation),
                     ((1, 3), (0, 1, 2, 7), None, 0.5))
    path = os.path.join(self.create_tempdir().full_path, "eval.gin")
    with open(path, "w") as f:
      f.write("EvalConfig.density_coverage_k = 9\nEvalConfig.inception = 'none'\n")
    cfg = config.config_from_flags(_flags([f"--gin_file={path}"]))
    self.assertEqual((cfg.density_coverage_k, cfg.inception), (9, "none"))

  def test_every_eval_gin_file_gives_a_valid_config(self):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = sorted(glob.glob(os.path.join(repo, "gin", "eval", "*.gin")))
    self.assertNotEmpty(paths)
    for path in paths:
      cfg = config.config_from_flags(_flags([f"--gin_file={path}"]))
      self.assertIn("kid", cfg.metrics, path)
      gin.clear_config()
    cfg = config.config_from_flags(_flags([f"--gin_file={os.path.join(repo, 'gin', 'eval', 'studiogan.gin')}"]))
    self.assertEqual((cfg.num_samples, cfg.num_splits, cfg.precision_recall_k, cfg.density_coverage_k),
                     (50_000, 1, 5, 5))

  def test_bad_settings_fail_with_one_line(self):
    for argv, message in [
        (["--kid_subsets=0"], "kid_subsets=0: expected a positive int"),
        (["--pairwise_multiples=1,x"], "pairwise_multiples='1,x': expected comma-separated ints"),
        (["--gin_param=EvalConfig.kid_sets = 3"], "EvalConfig.kid_sets, which is not an eval setting"),
        (["--gin_file=/nonexistent.gin"], "gin file '/nonexistent.gin' does not exist"),
        (["--best_metric=kid_mean", "--metrics=fid"], "needs the metric group 'kid'")]:
      with self.assertRaisesRegex(ValueError, message) as ctx:
        config.config_from_flags(_flags(argv))
      self.assertNotIn("\n", str(ctx.exception))
      gin.clear_config()


class _MeanPixel(streaming.StreamingMetric):
  """A toy metric: the mean pixel value of the samples."""

  def __init__(self):
    self.total, self.count = 0.0, 0

  def update_fake(self, batch):
    self.total += float(np.sum(batch.images, dtype=np.float64))
    self.count += batch.images.size

  def result(self):
    return {"mean_pixel": self.total / self.count}


class MeanPixel(registry.MetricGroup):
  name = "mean_pixel"
  doc = "mean pixel value in [-1, 1] (a test of the registry)"
  keys = ("mean_pixel",)
  best = {"mean_pixel": "max"}

  @classmethod
  def build(cls, ctx):
    ctx.need_images()
    return _MeanPixel()


class AddAMetricTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    registry.register(MeanPixel)
    self.addCleanup(registry._REGISTRY.pop, "mean_pixel")  # pylint: disable=protected-access

  def test_a_registered_group_is_selectable_scored_and_a_best_metric(self):
    x = np.random.default_rng(0).integers(0, 256, (30, 8, 8, 1)).astype(np.uint8)
    path = os.path.join(self.create_tempdir().full_path, "s.npz")
    np.savez(path, x=x)
    source = arrays.ArraySource(name="toy", num_classes=3, train=(x, np.arange(30) % 3),
                                loaders={"train": lambda: (x, np.arange(30) % 3)})
    cfg = config.EvalConfig(metrics="mean_pixel,d_accuracy", inception=None, num_samples=30, batch_size=8,
                            best_metric="mean_pixel")
    record = evaluator.Evaluator(cfg, source=source).evaluate_samples(samples.load_samples(path), "toy")
    self.assertAllClose(record["mean_pixel"], np.mean(x / 127.5 - 1.0), rtol=1e-6)  # the padded rows do not count
    self.assertEqual(record["absent"], {"d_accuracy": "samples from elsewhere have no discriminator"})
    self.assertEqual(cfg.resolved_best_mode, "max")
