"""self_accuracy: argmax_k C_k(G(z, y)) = y with the GAN's own classifier (MHGAN §3.2), conditional G.

Paper: Kavalerov et al. 2019 (MHGAN).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.evaluation.metric_groups import validation_accuracy


@registry.register
class SelfAccuracy(registry.MetricGroup):
  name = "self_accuracy"
  doc = "argmax_k C_k(G(z, y)) = y with D's classifier (MHGAN §3.2), conditional G"
  keys = ("self_accuracy",)
  best = {"self_accuracy": "max"}

  @classmethod
  def build(cls, ctx):
    ctx.need_heads(validation_accuracy.CLASSIFIER_HEADS, "classifier head")
    ctx.need_conditional("unconditional generator")
    return streaming.AccuracyMetric("self_accuracy", "fake", lambda b: metrics.self_accuracy(
        logits=b.class_logits, labels=b.labels, reduce=False), ("disc_fake",))
