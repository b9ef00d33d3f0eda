"""The synthetic 2-D ring of the K+1 GANs paper (§3.1, Fig. 1(i)): K overlapping Gaussians, means on a circle.

The paper places the means on a circle inside (0, 4) x (-1, 5) and gives no radius or spread; here the
circle is centred at (2, 2), the centre of that box. Defaults: radius 1.0, std 0.3, so neighbouring
means (2 r sin(pi / K) = 0.62 apart for K = 10) are about 2 std apart ("highly overlapping") and
mean +- 3 std stays inside the box (radius + 3 std = 1.9 < 2).

Examples are raw (x, y) coordinates in those units, float32 [2], NOT rescaled to [-1, 1]: they lie
around (2, 2) within about radius + 4 std of it. Class k is the Gaussian with mean
(2 + r cos(2 pi k / K), 2 + r sin(2 pi k / K)) and isotropic standard deviation `std`.
"""

from typing import Optional

import numpy as np

from tfgan_mh.data import arrays

CENTER = (2.0, 2.0)
SPLIT_SEEDS = {"train": 0, "validation": 1, "test": 2}  # fixed: the data set does not change with the run seed


def ring_means(num_classes: int, radius: float) -> np.ndarray:
  """[K, 2] class means: K points uniformly on the circle of `radius` around (2, 2), class 0 at angle 0."""
  angles = 2.0 * np.pi * np.arange(num_classes) / num_classes  # [K]
  return np.stack([CENTER[0] + radius * np.cos(angles), CENTER[1] + radius * np.sin(angles)], -1)


def sample_ring(num_examples: int, *, num_classes: int, radius: float, std: float, seed: int):
  """Balanced draw: example i has class i mod K. Returns (points float32 [N, 2], labels int32 [N])."""
  rng = np.random.default_rng(seed)
  labels = (np.arange(num_examples) % num_classes).astype(np.int32)  # [N]
  points = ring_means(num_classes, radius)[labels] + std * rng.standard_normal((num_examples, 2))  # [N, 2]
  return points.astype(np.float32), labels


def ring_source(*, name: str = "ring", num_classes: Optional[int] = None, radius: float = 1.0,
                std: float = 0.3, num_examples: Optional[int] = None,
                labeled_fraction: Optional[float] = None, labeled_split_seed: int = 0) -> arrays.ArraySource:
  """The ring as an `ArraySource`: a fixed train set of `num_examples` (default 50 000) points and a
  validation / test set of 10 000 each, drawn from fixed seeds.

  Args:
    num_classes: K Gaussians (default 10, as in the K+1 GANs paper).
    radius: circle radius; must be in (0, 2] so the means stay inside (0, 4) x (-1, 5).
    std: isotropic standard deviation of each Gaussian, > 0.
    num_examples: training points.
  """
  num_classes = 10 if num_classes is None else num_classes
  num_examples = 50_000 if num_examples is None else num_examples
  if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
    raise ValueError(f"num_classes={num_classes!r} for the ring: expected an int >= 2")
  if not 0.0 < radius <= 2.0:
    raise ValueError(f"radius={radius!r} for the ring: expected (0, 2] so the means stay inside (0,4)x(-1,5)")
  if not std > 0.0:
    raise ValueError(f"std={std!r} for the ring: expected a positive standard deviation")
  if num_examples < num_classes:
    raise ValueError(f"num_examples={num_examples!r} for the ring: expected at least num_classes={num_classes}")

  def load(split, n):
    return lambda: sample_ring(n, num_classes=num_classes, radius=radius, std=std, seed=SPLIT_SEEDS[split])

  loaders = {"train": load("train", num_examples), "validation": load("validation", 10_000),
             "test": load("test", 10_000)}
  source = arrays.ArraySource(name=name, num_classes=num_classes, loaders=loaders,
                              labeled_fraction=labeled_fraction, labeled_split_seed=labeled_split_seed)
  source.means = ring_means(num_classes, radius)
  source.std = std
  return source
