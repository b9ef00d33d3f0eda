"""k-NN manifold metrics of sample fidelity and diversity, on real and generated features [N, d].

Improved precision and recall (Kynkäänniemi et al. 2019, §2): each set's manifold is the union of balls around
its points, the radius of a point's ball being the distance to its k-th nearest neighbour in the same set
(k = 3 in the paper). precision = share of generated points inside the real manifold; recall = share of real
points inside the generated manifold.

Density and coverage (Naeem et al. 2020, §3, Eq. (3)-(4)), from the real balls only (k = 5 in the paper):
  density  = 1 / (k M) sum_j sum_i 1[Y_j in B(X_i, NND_k(X_i))]     (can exceed 1)
  coverage = 1 / N     sum_i 1[exists j: Y_j in B(X_i, NND_k(X_i))]
X the N real features, Y the M generated ones, NND_k(X_i) the distance from X_i to its k-th nearest neighbour among
the other real points.

Distances are Euclidean, computed in float64 in row blocks (memory O(block x N), not O(N^2)); "inside" is
distance <= radius, as the authors' code. `prdc` computes all four in three distance passes (the eval job's
precision_recall and density_coverage groups share it). Keeping N real features of dimension d costs 8 N d bytes here
(float64: 10k Inception pool_3 features = 164 MB).
"""

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

_BLOCK = 1024


def _as_features(a, name):
  a = np.asarray(a, np.float64)
  if a.ndim != 2 or a.shape[0] < 1:
    raise ValueError(f"{name} must be features [N, d] with N >= 1, got shape {a.shape}")
  return a


def _distance_blocks(a, b):
  """Yields (row offset, [blk, len(b)] Euclidean distances) of a's rows against b's."""
  sq_b = np.sum(b * b, axis=1)
  for lo in range(0, len(a), _BLOCK):
    blk = a[lo:lo + _BLOCK]
    d2 = np.sum(blk * blk, axis=1)[:, None] + sq_b[None, :] - 2.0 * (blk @ b.T)
    yield lo, np.sqrt(np.maximum(d2, 0.0))


def _knn_radii(x, ks: Sequence[int]) -> Dict[int, np.ndarray]:
  """k -> [N] distance from each row to its k-th nearest neighbour among the other rows (one pass)."""
  for k in ks:
    if not 1 <= k < len(x):
      raise ValueError(f"k={k}: need 1 <= k < number of points ({len(x)})")
  ks = sorted(set(ks))
  radii = {k: np.empty(len(x)) for k in ks}
  for lo, dist in _distance_blocks(x, x):
    dist[np.arange(len(dist)), np.arange(lo, lo + len(dist))] = 0.0  # exact zero to itself
    part = np.partition(dist, ks, axis=1)  # index 0 is the point itself
    for k in ks:
      radii[k][lo:lo + len(dist)] = part[:, k]
  return radii


def knn_radii(features, k: int) -> np.ndarray:
  """[N] distance from each row to its k-th nearest neighbour among the other rows."""
  return _knn_radii(_as_features(features, "features"), [k])[k]


def prdc(real, fake, *, precision_recall_k: Optional[int] = 3,
         density_coverage_k: Optional[int] = 5) -> Dict[str, float]:
  """Precision / recall (k = precision_recall_k) and density / coverage (k = density_coverage_k) in one set of
  distance passes: real x real (both radii), fake x fake (precision-recall only), real x fake (all four).

  A k of None leaves that pair out. Returns {"precision", "recall", "density", "coverage"} (those computed).
  """
  real, fake = _as_features(real, "real"), _as_features(fake, "fake")
  if real.shape[1] != fake.shape[1]:
    raise ValueError(f"real and fake features differ in dimension: {real.shape} vs {fake.shape}")
  pr_k, dc_k = precision_recall_k, density_coverage_k
  real_radii = _knn_radii(real, [k for k in (pr_k, dc_k) if k is not None])
  fake_radii = knn_radii(fake, pr_k) if pr_k is not None else None
  fake_in_real = np.zeros(len(fake), bool)  # precision: inside some real ball
  real_in_fake = np.zeros(len(real), bool)  # recall: inside some generated ball
  fake_counts = np.zeros(len(fake), np.int64)  # density: real balls (k = dc_k) holding each sample
  covered = np.zeros(len(real), bool)  # coverage: a real ball (k = dc_k) holding some sample
  for lo, dist in _distance_blocks(real, fake):  # [blk real, M]
    rows = slice(lo, lo + len(dist))
    if pr_k is not None:
      fake_in_real |= np.any(dist <= real_radii[pr_k][rows, None], axis=0)
      real_in_fake[rows] = np.any(dist <= fake_radii[None, :], axis=1)
    if dc_k is not None:
      fake_counts += np.sum(dist <= real_radii[dc_k][rows, None], axis=0)
      covered[rows] = np.min(dist, axis=1) <= real_radii[dc_k][rows]
  out = {}
  if pr_k is not None:
    out.update(precision=float(np.mean(fake_in_real)), recall=float(np.mean(real_in_fake)))
  if dc_k is not None:
    out.update(density=float(np.sum(fake_counts) / (dc_k * len(fake))), coverage=float(np.mean(covered)))
  return out


def precision_recall(real, fake, *, k: int = 3) -> Tuple[float, float]:
  """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls; both in [0, 1]."""
  r = prdc(real, fake, precision_recall_k=k, density_coverage_k=None)
  return r["precision"], r["recall"]


def density_coverage(real, fake, *, k: int = 5) -> Tuple[float, float]:
  """Density (>= 0, 1 for matching distributions in expectation) and coverage (in [0, 1]), Naeem et al. 2020."""
  r = prdc(real, fake, precision_recall_k=None, density_coverage_k=k)
  return r["density"], r["coverage"]
