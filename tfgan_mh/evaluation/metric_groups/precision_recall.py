"""precision_recall: improved precision and recall (Kynkäänniemi et al. 2019, `tfgan_mh.metrics.manifold`).

k-NN balls around the kept real / generated features (--inception space): precision = share of samples on
the real manifold (fidelity), recall = share of real points on the generated one (diversity).
"""

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation.metric_groups import knn


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
    return knn.KNNMetric(knn.table(ctx), cls.keys)
