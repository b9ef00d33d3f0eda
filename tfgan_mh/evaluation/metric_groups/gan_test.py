"""gan_test: GAN-test (AAM §4.4), the dataset classifier's accuracy on G(z, y) labelled y, conditional G.

Paper: Sapkota et al. 2022 (AAM).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


@registry.register
class GANTest(registry.MetricGroup):
  name = "gan_test"
  doc = "GAN-test (AAM §4.4), --classifier, conditional G"
  keys = ("gan_test",)
  best = {"gan_test": "max"}
  extractors = ("classifier",)

  @classmethod
  def build(cls, ctx):
    ctx.need_matching_classifier()
    ctx.need_conditional("unconditional generator (samples have no class)")
    return streaming.AccuracyMetric("gan_test", "fake", lambda b: metrics.classifier_accuracy(
        logits=b.classifier[0], labels=b.labels, reduce=False), ("classifier",))
