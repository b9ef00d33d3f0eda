"""pairwise_distance: mean pairwise embedding distance of batches of n x base samples (K+1 GANs Fig. 3 iv).

Paper: Kavalerov et al. 2020 (K+1 GANs).

Embedding: the dataset classifier's features when --classifier is given (K+1 GANs: a DenseNet trained on the
data), else the --inception features.
"""

from typing import Sequence

import numpy as np

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class PairwiseDistanceMetric(streaming.StreamingMetric):
  """Mean pairwise embedding distance of batches of n * base samples, over trials (K+1 GANs Fig. 3 iv).

  Embeddings are the features of `role`'s extractor (the K+1 GANs paper uses a DenseNet trained on the data: the
  dataset classifier when given, else Inception's pool_3). Keeps the first max(n) * base embeddings.
  """

  def __init__(self, role: str, *, base: int, multiples: Sequence[int], trials: int, seed: int):
    self.role = role
    self.needs = (role,)
    self.base, self.trials, self.seed = int(base), int(trials), seed
    self.multiples = sorted(int(n) for n in multiples)
    self.capacity = self.multiples[-1] * self.base
    self.pool = []
    self.kept = 0

  def update_fake(self, batch):
    if self.kept < self.capacity:
      f = np.asarray(getattr(batch, self.role)[1][:self.capacity - self.kept], np.float32)
      self.pool.append(f)
      self.kept += f.shape[0]

  def result(self):
    e = np.concatenate(self.pool)
    multiples = [n for n in self.multiples if n * self.base <= e.shape[0]]
    if not multiples:
      raise ValueError(f"{e.shape[0]} samples are fewer than the smallest batch {self.multiples[0] * self.base}")
    curve = metrics.pairwise_distance_curve(e, base=self.base, multiples=multiples, num_trials=self.trials,
                                            seed=self.seed)
    out = {}
    for size, mean, std in zip(curve.batch_sizes, curve.mean, curve.std):
      out[f"pairwise_distance_{size}"] = float(mean)
      out[f"pairwise_distance_{size}_std"] = float(std)
    return out


def _multiples(value):
  return tuple(int(n) for n in (value.split(",") if isinstance(value, str) else value))


@registry.register
class PairwiseDistance(registry.MetricGroup):
  name = "pairwise_distance"
  doc = "mean pairwise embedding distance of batches of n x base samples (K+1 GANs Fig. 3 iv)"
  keys = ("pairwise_distance_*", "pairwise_distance_*_std")
  settings = (
      registry.Setting("pairwise_base", 128, "Pairwise-distance batches are n x this (K+1 GANs: 128).",
                       positive=True),
      registry.Setting("pairwise_multiples", (1, 2, 4, 8), "The n of the pairwise-distance batches.", type=tuple),
      registry.Setting("pairwise_trials", 10, "Pairwise-distance trials per batch size (K+1 GANs: 10).",
                       positive=True),
  )

  @classmethod
  def extractor_roles(cls, config):
    no_classifier = config.classifier is None or (isinstance(config.classifier, str)
                                                  and config.classifier in ("", "none"))
    return ("inception",) if no_classifier else ("classifier",)

  @classmethod
  def validate(cls, config):
    try:
      config.pairwise_multiples = _multiples(config.pairwise_multiples)
    except (TypeError, ValueError):
      config.pairwise_multiples = ()
    if not config.pairwise_multiples or min(config.pairwise_multiples) < 1:
      raise ValueError(f"pairwise_multiples={config.pairwise_multiples!r}: expected positive ints such as 1,2,4,8")

  @classmethod
  def build(cls, ctx):
    cfg = ctx.config
    role = "classifier" if ctx.classifier is not None else "inception" if ctx.inception is not None else None
    if role is None:
      ctx.need_images()
      ctx.absent("no extractor to embed samples")
    return PairwiseDistanceMetric(role, base=cfg.pairwise_base, multiples=cfg.pairwise_multiples,
                                  trials=cfg.pairwise_trials, seed=cfg.seed)
