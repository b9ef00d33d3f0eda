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
distance <= radius, as the authors' code. Keeping N real features of dimension d costs 8 N d bytes here
(float64: 10k Inception pool_3 features = 164 MB).
"""

from typing import Tuple

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


def knn_radii(features, k: int) -> np.ndarray:
  """[N] distance from each row to its k-th nearest neighbour among the other rows."""
  x = _as_features(features, "features")
  if not 1 <= k < len(x):
    raise ValueError(f"k={k}: need 1 <= k < number of points ({len(x)})")
  radii = np.empty(len(x))
  for lo, dist in _distance_blocks(x, x):
    dist[np.arange(len(dist)), np.arange(lo, lo + len(dist))] = 0.0  # exact zero to itself
    radii[lo:lo + len(dist)] = np.partition(dist, k, axis=1)[:, k]  # index 0 is the point itself
  return radii


def _inside_counts(points, centres, radii) -> np.ndarray:
  """[len(points)] number of balls B(centres_i, radii_i) containing each point."""
  counts = np.zeros(len(points), np.int64)
  for lo, dist in _distance_blocks(centres, points):  # [blk centres, points]
    counts += np.sum(dist <= radii[lo:lo + len(dist), None], axis=0)
  return counts


def precision_recall(real, fake, *, k: int = 3) -> Tuple[float, float]:
  """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls; both in [0, 1]."""
  real, fake = _as_features(real, "real"), _as_features(fake, "fake")
  if real.shape[1] != fake.shape[1]:
    raise ValueError(f"real and fake features differ in dimension: {real.shape} vs {fake.shape}")
  precision = np.mean(_inside_counts(fake, real, knn_radii(real, k)) > 0)
  recall = np.mean(_inside_counts(real, fake, knn_radii(fake, k)) > 0)
  return float(precision), float(recall)


def density_coverage(real, fake, *, k: int = 5) -> Tuple[float, float]:
  """Density (>= 0, 1 for matching distributions in expectation) and coverage (in [0, 1]), Naeem et al. 2020."""
  real, fake = _as_features(real, "real"), _as_features(fake, "fake")
  if real.shape[1] != fake.shape[1]:
    raise ValueError(f"real and fake features differ in dimension: {real.shape} vs {fake.shape}")
  radii = knn_radii(real, k)  # [N]
  density = np.sum(_inside_counts(fake, real, radii)) / (k * len(fake))
  covered = np.zeros(len(real), bool)
  for lo, dist in _distance_blocks(real, fake):  # [blk real, M]
    covered[lo:lo + len(dist)] = np.min(dist, axis=1) <= radii[lo:lo + len(dist)]
  return float(density), float(np.mean(covered))
