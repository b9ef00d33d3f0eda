"""mixture: the mixture-of-Gaussians metrics (`tfgan_mh.metrics.mixture`) for 2-D point runs.

On a source that knows its mixture (the ring of Kavalerov et al. 2020 (K+1 GANs) §3.1: `means`, `std`) it keeps
every generated point (10k x 2 floats) and the real validation points, and reports high-quality shares within 2
and 3 std, modes covered, per-mode counts and their KL to uniform, each class's share on its own mode
(conditional G), energy distance and sliced Wasserstein-1 to the real points, and, as the reference a reader
compares with, the same high-quality shares of the real validation points (`ring_real_*`).
"""

from typing import Any, Dict, List

import numpy as np

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.metrics import mixture


class MixtureMetric(streaming.StreamingMetric):
  """Ring metrics of the generated points against the source's mixture and its real validation points.

  Args:
    means: [K, 2] mixture means (`source.means`).
    std: the mixture's isotropic standard deviation (`source.std`).
    seed: seed of the sliced-Wasserstein directions.
  """

  needs = ("real_images",)

  def __init__(self, means, std: float, seed: int = 0):
    self.means = np.asarray(means, np.float64)
    self.std = float(std)
    self.seed = seed
    self.fake: List[np.ndarray] = []
    self.labels: List[np.ndarray] = []
    self.real: List[np.ndarray] = []

  def update_fake(self, batch):
    self.fake.append(np.asarray(batch.images, np.float64))
    if batch.labels is not None:
      self.labels.append(np.asarray(batch.labels))

  def update_real(self, batch):
    self.real.append(np.asarray(batch.images, np.float64))

  def result(self) -> Dict[str, Any]:
    fake = np.concatenate(self.fake)
    labels = np.concatenate(self.labels) if self.labels else None
    if not self.real:  # no validation split: the quality shares only
      return mixture.mixture_quality(fake, self.means, self.std, labels=labels)
    real = np.concatenate(self.real)
    out = mixture.ring_metrics(fake, real, self.means, self.std, labels=labels, seed=self.seed)
    ref = mixture.mixture_quality(real, self.means, self.std)
    for key, value in ref.items():
      if key.startswith("ring_high_quality") or key == "ring_modes_covered":
        out[key.replace("ring_", "ring_real_", 1)] = value
    out["ring_num_real"] = int(len(real))
    return out


@registry.register
class Mixture(registry.MetricGroup):
  name = "mixture"
  doc = ("2-D points of a Gaussian mixture (the ring, K+1 GANs §3.1): share within 2 / 3 std of a mode, "
         "modes covered, per-class share on its own mode, energy distance and sliced Wasserstein to the real "
         "validation points")
  keys = ("ring_*",)
  shown = ("ring_high_quality_2std", "ring_modes_covered", "ring_own_mode_share",
           "ring_energy_distance")

  @classmethod
  def build(cls, ctx):
    means, std = getattr(ctx.source, "means", None), getattr(ctx.source, "std", None)
    if ctx.is_image or means is None or std is None:
      ctx.absent(f"the source {ctx.source.name!r} is not a 2-D Gaussian mixture (no means / std)")
    return MixtureMetric(means, std, seed=ctx.config.seed)
