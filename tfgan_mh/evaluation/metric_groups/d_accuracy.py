"""d_accuracy: D's real/fake accuracy, logit > 0 on real validation data (MHGAN Fig. 7b) and < 0 on samples.

Paper: Kavalerov et al. 2019 (MHGAN).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


@registry.register
class DAccuracy(registry.MetricGroup):
  name = "d_accuracy"
  doc = "D's adv logit > 0 on real validation data (MHGAN Fig. 7b), and < 0 on samples"
  keys = ("d_real_accuracy", "d_fake_accuracy")
  shown = ("d_real_accuracy",)

  @classmethod
  def build(cls, ctx):
    ctx.need_heads(("projection", "adversarial"), "real/fake logit")
    out = []
    if ctx.validation_split is not None:
      out.append(streaming.AccuracyMetric("d_real_accuracy", "real", lambda b: metrics.discriminator_real_accuracy(
          adv_logits=b.adv_logits, reduce=False), ("disc_real",)))
    out.append(streaming.AccuracyMetric("d_fake_accuracy", "fake", lambda b: metrics.discriminator_fake_accuracy(
        adv_logits=b.adv_logits, reduce=False), ("disc_fake",)))
    return out
