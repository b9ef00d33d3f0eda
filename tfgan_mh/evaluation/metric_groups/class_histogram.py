"""class_histogram: fraction of samples per class as the dataset classifier labels them (MAGAN Fig. 1a).

Paper: Wang et al. 2017 (MAGAN).
"""

import numpy as np

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.metrics import class_histogram as class_histogram_lib


class ClassHistogramMetric(streaming.StreamingMetric):
  """Fraction of samples per class as the dataset classifier labels them (MAGAN Fig. 1a)."""

  needs = ("classifier",)

  def __init__(self, num_classes: int):
    self.num_classes = int(num_classes)
    self.counts = np.zeros([self.num_classes], np.int64)

  def update_fake(self, batch):
    self.counts += class_histogram_lib.class_histogram(num_classes=self.num_classes,
                                                       logits=batch.classifier[0]).counts

  def result(self):
    fractions = self.counts / max(int(self.counts.sum()), 1)  # [K], as class_histogram's
    return {"class_histogram": fractions.tolist(), "class_histogram_min": float(fractions.min()),
            "class_histogram_max": float(fractions.max())}


@registry.register
class ClassHistogram(registry.MetricGroup):
  name = "class_histogram"
  doc = "fraction of samples per predicted class (MAGAN Fig. 1a), --classifier"
  keys = ("class_histogram", "class_histogram_min", "class_histogram_max")
  extractors = ("classifier",)

  @classmethod
  def build(cls, ctx):
    return ClassHistogramMetric(ctx.need_extractor("classifier").num_logits)
