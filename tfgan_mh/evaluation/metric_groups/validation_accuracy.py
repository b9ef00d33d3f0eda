"""validation_accuracy: the GAN's own classifier C on real validation data, argmax_k C_k(x) = y (MHGAN §3.2).

Paper: Kavalerov et al. 2019 (MHGAN).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.models import heads

CLASSIFIER_HEADS = heads.CLASS_LOGIT_HEADS


@registry.register
class ValidationAccuracy(registry.MetricGroup):
  name = "validation_accuracy"
  doc = "D's classifier on real validation data (MHGAN §3.2)"
  keys = ("validation_accuracy",)
  best = {"validation_accuracy": "max"}

  @classmethod
  def build(cls, ctx):
    ctx.need_heads(CLASSIFIER_HEADS, "classifier head")
    ctx.need_validation()
    return streaming.AccuracyMetric("validation_accuracy", "real", lambda b: metrics.classifier_accuracy(
        logits=b.class_logits, labels=b.labels, reduce=False), ("disc_real",))
