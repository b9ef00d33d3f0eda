"""CMMD (Jayasumana, Ramalingam, Veit, Glasner, Chakrabarti & Kumar 2024, "Rethinking FID: Towards a Better
Evaluation Metric for Image Generation", CVPR 2024, arXiv:2401.09603): the maximum mean discrepancy between the
real and generated images' embeddings with a Gaussian RBF kernel, no normality assumption (FID's), unbiased in
the sample size up to O(1/n).

  CMMD = scale * [ mean_ij k(x_i, x_j) + mean_ij k(y_i, y_j) - 2 mean_ij k(x_i, y_j) ],
  k(a, b) = exp(-||a - b||^2 / (2 sigma^2)),  sigma = 10,  scale = 1000

the minimum-variance (V-statistic) estimator of Gretton et al. 2012 (JMLR 13, Eq. (5)), every pair including
i = j, on unit-normalised embeddings — as the authors' code (google-research/cmmd: `distance.mmd`, CLIP
ViT-L/14 at 336 px embeddings, L2-normalised). Here the embeddings are whatever feature space the eval job's
`--inception` extractor gives; CMMD proper is that of CLIP. Kernel sums run in blocks of rows, float64, so
memory stays O(block * n).
"""

import numpy as np

SIGMA = 10.0  # the RBF bandwidth of the authors' code and paper
SCALE = 1000.0  # "to make the metric more human readable" (the authors' code)
_BLOCK = 2048


def _unit(x) -> np.ndarray:
  x = np.asarray(x, np.float64)
  norms = np.linalg.norm(x, axis=1, keepdims=True)
  return x / np.where(norms > 0, norms, 1.0)


def _mean_kernel(a: np.ndarray, b: np.ndarray, gamma: float) -> float:
  """mean over every (i, j) of exp(-gamma ||a_i - b_j||^2)."""
  b_sq = np.sum(b * b, axis=1)
  total = 0.0
  for start in range(0, len(a), _BLOCK):
    rows = a[start:start + _BLOCK]
    sq = np.sum(rows * rows, axis=1)[:, None] + b_sq[None, :] - 2.0 * rows @ b.T
    total += float(np.exp(-gamma * np.maximum(sq, 0.0)).sum())
  return total / (len(a) * len(b))


def cmmd(real, fake, *, sigma: float = SIGMA, scale: float = SCALE, normalize: bool = True) -> float:
  """scale * MMD^2 (module docstring) of real [N, d] and generated [M, d] embeddings.

  Args:
    normalize: L2-normalise each embedding first (CLIP's, as the authors' code; its sigma is set for unit
      vectors).

  Raises:
    ValueError: features of another rank or width, fewer than 2 rows on a side, or sigma <= 0 (one line).
  """
  real, fake = np.asarray(real), np.asarray(fake)
  if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
    raise ValueError(f"CMMD needs embeddings [N, d] and [M, d] with the same d; got {real.shape} and {fake.shape}")
  if len(real) < 2 or len(fake) < 2 or not sigma > 0:
    raise ValueError(f"CMMD needs >= 2 embeddings per side and sigma > 0; got {len(real)}, {len(fake)}, "
                     f"sigma={sigma!r}")
  x, y = (_unit(real), _unit(fake)) if normalize else (np.asarray(real, np.float64), np.asarray(fake, np.float64))
  gamma = 1.0 / (2.0 * sigma * sigma)
  return scale * (_mean_kernel(x, x, gamma) + _mean_kernel(y, y, gamma) - 2.0 * _mean_kernel(x, y, gamma))
