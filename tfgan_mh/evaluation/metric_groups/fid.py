"""fid: Fréchet Inception Distance against streamed real statistics (Heusel et al. 2017 Eq. (6)), --inception."""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class FIDMetric(streaming.StreamingMetric):
  """FID of the generated features against the real `FeatureStats` (memory O(d^2), not O(samples x d))."""

  needs = ("inception",)

  def __init__(self, real: metrics.FeatureStats):
    self.real = real
    self.fake = metrics.FeatureStats(real.dim)

  def update_fake(self, batch):
    self.fake.update(batch.inception[1])

  def result(self):
    r = metrics.frechet_distance(self.real.mean, self.real.cov, self.fake.mean, self.fake.cov)
    return {"fid": r.fid, "fid_mean_term": r.mean_term, "fid_trace_term": r.trace_term}


@registry.register
class FID(registry.MetricGroup):
  name = "fid"
  doc = "FID against num_real real samples of real_split (Heusel et al. Eq. (6)), --inception"
  keys = ("fid", "fid_mean_term", "fid_trace_term")
  best = {"fid": "min"}
  extractors = ("inception",)

  @classmethod
  def build(cls, ctx):
    ctx.need_extractor("inception")
    return FIDMetric(ctx.reference(features=True).stats)
