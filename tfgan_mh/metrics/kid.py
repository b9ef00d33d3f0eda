"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", §4 and App. D).

KID is the squared maximum mean discrepancy between real and generated features with the cubic polynomial
kernel k(x, y) = (x.y / d + 1)^3, estimated without bias on random subsets and averaged over them:

  MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(m(m-1)) sum_{i != j} k(y_i, y_j) - 2/m^2 sum_{i,j} k(x_i, y_j)

for m real features x and m generated features y of one subset. Unlike FID the estimator is unbiased, so
values at 1-5k samples are comparable with values at 50k (the paper's point; useful on a CPU). Subsets are
drawn without replacement from each side, `num_subsets` times (the authors' code: 100 subsets of 1000).
Reported x 1 (not x 1000 as some tables do).
"""

from typing import Tuple

import numpy as np


def polynomial_mmd2(x, y) -> float:
  """Unbiased MMD^2 of two equal-size feature sets [m, d] with k(a, b) = (a.b / d + 1)^3 (float64)."""
  x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
  m, d = x.shape
  k_xx = (x @ x.T / d + 1.0) ** 3
  k_yy = (y @ y.T / d + 1.0) ** 3
  k_xy = (x @ y.T / d + 1.0) ** 3
  off_diag = lambda k: (k.sum() - np.trace(k)) / (m * (m - 1))
  return float(off_diag(k_xx) + off_diag(k_yy) - 2.0 * k_xy.mean())


def kernel_inception_distance(real, fake, *, num_subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> Tuple[float, float]:
  """KID: (mean, std) of the unbiased polynomial-kernel MMD^2 over `num_subsets` random subsets.

  Args:
    real: [N, d] features of real images (Inception pool_3 or a dataset classifier's).
    fake: [M, d] features of generated images.
    num_subsets: subsets drawn (>= 1).
    subset_size: m per subset, from each side; capped at min(N, M) (then every subset holds all of the smaller
      side, in a random order, and a random m of the other).
    seed: of the subset draws (numpy Generator).

  Returns:
    (mean, std over subsets; std is 0 for one subset).
  """
  real, fake = np.asarray(real), np.asarray(fake)
  if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
    raise ValueError(f"KID needs features [N, d] and [M, d] with the same d; got {real.shape} and {fake.shape}")
  if num_subsets < 1 or subset_size < 2:
    raise ValueError(f"KID: num_subsets={num_subsets} must be >= 1 and subset_size={subset_size} >= 2")
  m = min(subset_size, len(real), len(fake))
  if m < 2:
    raise ValueError(f"KID needs at least 2 real and 2 generated features; got {len(real)} and {len(fake)}")
  rng = np.random.default_rng(seed)
  values = np.array([polynomial_mmd2(real[rng.choice(len(real), m, replace=False)],
                                     fake[rng.choice(len(fake), m, replace=False)]) for _ in range(num_subsets)])
  return float(values.mean()), float(values.std())
