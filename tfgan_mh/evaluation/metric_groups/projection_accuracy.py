"""projection_accuracy: the projection D as a classifier, argmax_k D(x, k) = y on validation data (MHGAN §3.2).

Paper: Kavalerov et al. 2019 (MHGAN).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


@registry.register
class ProjectionAccuracy(registry.MetricGroup):
  name = "projection_accuracy"
  doc = "argmax_k D(x, k) = y on real validation data (MHGAN §3.2, Fig. 2b), projection D"
  keys = ("projection_accuracy",)
  best = {"projection_accuracy": "max"}

  @classmethod
  def build(cls, ctx):
    ctx.need_heads(("projection",), "projection head")
    ctx.need_validation()
    return streaming.AccuracyMetric("projection_accuracy", "real", lambda b: metrics.projection_accuracy(
        projection_logits=b.projection, labels=b.labels, reduce=False), ("disc_real", "projection"))
