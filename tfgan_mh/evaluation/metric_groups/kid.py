"""kid: Kernel Inception Distance (Bińkowski et al. 2018, `tfgan_mh.metrics.kid`) on kept features, --inception.

Real features: the first `max_kept_features` of the FID reference stream (real_split, num_real); generated:
the first `max_kept_features` samples. Unbiased, so usable at 1-5k samples where FID is biased.
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming

Setting = registry.Setting


class KIDMetric(streaming.StreamingMetric):
  """KID mean and std over random subsets of the kept real and generated features."""

  def __init__(self, real, pool: streaming.FeaturePool, *, num_subsets: int, subset_size: int, seed: int):
    self.real, self.pool = real, pool
    self.num_subsets, self.subset_size, self.seed = num_subsets, subset_size, seed

  def result(self):
    fake = self.pool.features()
    mean, std = metrics.kernel_inception_distance(self.real, fake, num_subsets=self.num_subsets,
                                                  subset_size=self.subset_size, seed=self.seed)
    return {"kid_mean": mean, "kid_std": std,
            "kid_subset_size": min(self.subset_size, len(self.real), len(fake))}


@registry.register
class KID(registry.MetricGroup):
  name = "kid"
  doc = ("KID: unbiased MMD^2, kernel (x.y/d + 1)^3, mean +- std over subsets (Bińkowski et al. 2018), "
         "--inception, kept features")
  keys = ("kid_mean", "kid_std", "kid_subset_size")
  best = {"kid_mean": "min"}
  extractors = ("inception",)
  real_features = True
  settings = (
      Setting("kid_subsets", 100, "KID: random subsets averaged (the authors' code: 100).", positive=True),
      Setting("kid_subset_size", 1000, "KID: samples per side in a subset (capped at the kept features; "
              "the authors' code: 1000).", positive=True),
  )

  @classmethod
  def build(cls, ctx):
    ctx.need_extractor("inception")
    cfg = ctx.config
    return KIDMetric(ctx.real_features("inception"), ctx.fake_pool("inception"), num_subsets=cfg.kid_subsets,
                     subset_size=cfg.kid_subset_size, seed=cfg.seed)
