"""precision_recall: improved precision and recall (Kynkäänniemi et al. 2019, `tfgan_mh.metrics.manifold`).

k-NN balls around the kept real / generated features (--inception space): precision = share of samples on
the real manifold (fidelity), recall = share of real points on the generated one (diversity).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class PrecisionRecallMetric(streaming.StreamingMetric):

  def __init__(self, real, pool: streaming.FeaturePool, k: int):
    self.real, self.pool, self.k = real, pool, k

  def result(self):
    precision, recall = metrics.precision_recall(self.real, self.pool.features(), k=self.k)
    return {"precision": precision, "recall": recall}


@registry.register
class PrecisionRecall(registry.MetricGroup):
  name = "precision_recall"
  doc = "improved precision / recall with k-NN manifolds (Kynkäänniemi et al. 2019), --inception, kept features"
  keys = ("precision", "recall")
  shown = ("precision", "recall")
  extractors = ("inception",)
  real_features = True  # each alone rewards collapse (precision) or noise (recall): not a --best_metric
  settings = (registry.Setting("precision_recall_k", 3, "k of the k-NN radii (the paper: 3).", positive=True),)

  @classmethod
  def build(cls, ctx):
    ctx.need_extractor("inception")
    return PrecisionRecallMetric(ctx.real_features("inception"), ctx.fake_pool("inception"),
                                 ctx.config.precision_recall_k)
