"""density_coverage: density and coverage (Naeem et al. 2020 Eq. (3)-(4), `tfgan_mh.metrics.manifold`).

From k-NN balls around the kept real features only (--inception space): density counts how many real balls
hold each sample (1 in expectation for matching distributions), coverage is the share of real balls holding
at least one sample — robust to real outliers, a usable single --best_metric.
"""

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation.metric_groups import knn


@registry.register
class DensityCoverage(registry.MetricGroup):
  name = "density_coverage"
  doc = "density / coverage with real k-NN balls (Naeem et al. 2020 Eq. (3)-(4)), --inception, kept features"
  keys = ("density", "coverage")
  shown = ("density", "coverage")
  best = {"coverage": "max"}
  extractors = ("inception",)
  real_features = True
  settings = (registry.Setting("density_coverage_k", 5, "k of the real k-NN radii (the paper: 5).",
                               positive=True),)

  @classmethod
  def build(cls, ctx):
    ctx.need_extractor("inception")
    return knn.KNNMetric(knn.table(ctx), cls.keys)
