"""am_score: AM Score = KL(C_train || C_G) + E_x[H(C(x))] with the dataset classifier (AM-GAN Eq. (23)).

Lower is better. Paper: Zhou et al. 2018 (AM-GAN).

C_train is the label marginal of the real reference stream (real_split, num_real).
"""

import numpy as np

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.metrics import am_score as am_score_lib


class AMScoreMetric(streaming.StreamingMetric):
  """AM Score = KL(C_train || C_G) + E_x[H(C(x))] with the dataset classifier (AM-GAN Eq. (23)); lower is
  better."""

  needs = ("classifier",)

  def __init__(self, train_marginal: np.ndarray):
    self.train_marginal = np.asarray(train_marginal, np.float64)
    self.acc = metrics.InceptionScoreAccumulator(self.train_marginal.shape[0], 1)  # streams C_G, E[H]

  def update_fake(self, batch):
    self.acc.update(logits=batch.classifier[0])

  def result(self):
    r = metrics.am_score_from_stats(sample_marginal=self.acc.marginal,
                                    mean_sample_entropy=self.acc.mean_sample_entropy,
                                    train_marginal=self.train_marginal)
    return {"am_score": r.score, "am_score_kl": r.kl_term, "am_score_entropy": r.entropy_term}


def train_marginal_from_counts(counts: np.ndarray) -> np.ndarray:
  """C_train of AM-GAN Eq. (23) from per-class label counts of the real (training) stream."""
  counts = np.asarray(counts, np.int64)
  return am_score_lib.label_marginal(np.repeat(np.arange(counts.shape[0]), counts), counts.shape[0])


@registry.register
class AMScore(registry.MetricGroup):
  name = "am_score"
  doc = "AM Score (AM-GAN Eq. (23)), C_train from the real training labels, --classifier"
  keys = ("am_score", "am_score_kl", "am_score_entropy")
  best = {"am_score": "min"}
  extractors = ("classifier",)

  @classmethod
  def build(cls, ctx):
    ctx.need_matching_classifier()
    return AMScoreMetric(train_marginal_from_counts(ctx.reference(features=False).label_counts))
