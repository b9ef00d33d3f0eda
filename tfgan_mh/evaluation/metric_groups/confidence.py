"""confidence: the dataset classifier's confidence on samples, histogram + mean (AAM Fig. 6), --classifier.

Paper: Sapkota et al. 2022 (AAM).
"""

import numpy as np

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class ConfidenceMetric(streaming.StreamingMetric):
  """Distribution and mean of the dataset classifier's confidence on samples (AAM Fig. 6).

  C_y(x) of the conditioning class for a conditional G, max_k C_k(x) for an unconditional one.
  """

  needs = ("classifier",)

  def __init__(self, num_bins: int):
    self.num_bins = int(num_bins)
    self.counts = np.zeros([self.num_bins], np.int64)
    self.values = []  # [b] per batch: O(samples) scalars, for the TensorBoard histogram

  def update_fake(self, batch):
    c = metrics.confidence_distribution(logits=batch.classifier[0], labels=batch.labels,
                                        num_bins=self.num_bins)
    self.counts += c.counts
    self.values.append(c.values.astype(np.float32))

  def result(self):
    values = np.concatenate(self.values)
    return {"confidence_mean": float(values.mean(dtype=np.float64)),
            "confidence_histogram": self.counts.tolist(), "_confidence": values}


@registry.register
class Confidence(registry.MetricGroup):
  name = "confidence"
  doc = "classifier confidence on samples, histogram + mean (AAM Fig. 6), --classifier"
  keys = ("confidence_mean", "confidence_histogram")
  shown = ()
  best = {"confidence_mean": "max"}
  extractors = ("classifier",)
  settings = (registry.Setting("confidence_bins", 20, "Confidence histogram bins on [0, 1].", positive=True),)

  @classmethod
  def build(cls, ctx):
    if ctx.conditional:
      ctx.need_matching_classifier()
    else:
      ctx.need_extractor("classifier")
    return ConfidenceMetric(ctx.config.confidence_bins)
