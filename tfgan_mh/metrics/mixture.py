"""Mixture-of-Gaussians metrics for 2-D point data: the ring of Kavalerov et al. 2020 (K+1 GANs) §3.1 / Fig. 1
(`tfgan_mh.data.ring`).

K+1 GANs §3.1 trains on 10 highly overlapping 2-D Gaussians whose means lie on a circle; Fig. 1 shows the data
(i), the PMF expected of a generator trained with the Dynamic-Labeling loss, pointwise max_m f_m of Eq. (3) (ii),
and the histogram of such a generator (iii). The K+1 GANs paper reports no numbers for the ring; the metrics
below are the ones the literature uses for the ring / grid of Gaussians, so that Fig. 1's "mode emphasis" can be
measured:

  * high-quality share: the fraction of samples within k std of their nearest mean (VEEGAN, Srivastava et
    al. 2017 §5.1, k = 3; PacGAN, Lin et al. 2018, same definition). Mode emphasis (f_0 -> max_m f_m) moves
    mass towards the means, so it is expected to rise above the real data's own value.
  * modes covered and the per-mode counts of high-quality samples (VEEGAN, PacGAN; the ring itself comes
    from Unrolled GAN, Metz et al. 2017), and KL(counts / total || uniform) for balance.
  * own-mode share of a class-conditional generator: samples of class k that are high quality at mode k.
  * energy distance (Székely & Rizzo 2013) and sliced Wasserstein-1 against real points: whole-distribution
    distances that also see the spread within and between modes.

Reference values come from running the same functions on real points (e.g. the validation split). On the
default ring (radius 1, std 0.3, K = 10) neighbouring means are only ~2 std apart, so the nearest mean is
often not the generating one and mode counts blur; a well-separated ring (e.g. radius 2, std 0.05) gives
clean counts. For a 2-D isotropic Gaussian the distance to its own mean is Rayleigh: P(r < k std) =
1 - exp(-k^2 / 2) (0.8647 at k = 2, 0.9889 at k = 3); the nearest-mean distance is never larger.

All functions are host-side float64 numpy; records hold plain Python numbers / lists (JSON-serialisable;
NaN where a value is undefined, which `evaluation.records` writes as null). Points that are not finite
(a diverged generator) are never high quality, and make the energy / sliced Wasserstein distances NaN.
"""

import math
from typing import Dict, Optional, Sequence, Tuple

import numpy as np


def _points(value, name: str, dim: Optional[int] = None) -> np.ndarray:
  """`value` as float64 [N, d] with N >= 1 (and d == dim when given), else a one-line ValueError."""
  a = np.asarray(value, np.float64)
  if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0 or (dim is not None and a.shape[1] != dim):
    want = f"[N >= 1, {dim}]" if dim is not None else "[N >= 1, d >= 1]"
    raise ValueError(f"{name} must have shape {want}, got shape {a.shape}.")
  return a


def nearest_mode(points, means) -> Tuple[np.ndarray, np.ndarray]:
  """Index of and Euclidean distance to the nearest mean of each point.

  Args:
    points: [N, d] samples (d = 2 for the ring).
    means: [K, d] mixture means, e.g. `tfgan_mh.data.ring.ring_means(K, radius)`.

  Returns:
    (index int64 [N] in [0, K), distance float64 [N]); a non-finite point gets index -1 and distance inf.
  """
  m = _points(means, "means")
  x = _points(points, "points", dim=m.shape[1])
  d2 = np.sum((x[:, None, :] - m[None, :, :]) ** 2, axis=-1)  # [N, K], exact differences
  finite = np.all(np.isfinite(x), axis=1)  # [N]
  d2[~finite] = np.inf
  index = np.where(finite, np.argmin(d2, axis=1), -1).astype(np.int64)
  distance = np.sqrt(np.min(d2, axis=1))
  return index, distance


def mixture_quality(points, means, std: float, *, labels=None, num_stds: Sequence[float] = (2.0, 3.0),
                    min_per_mode: Optional[int] = None) -> Dict[str, object]:
  """High-quality share, mode coverage and balance (VEEGAN §5.1 / PacGAN), own-mode share given labels.

  A sample is "high quality" at k std when its distance to the nearest mean is < k * std; coverage, counts,
  KL and own-mode share use the largest k of `num_stds` (3 by default, as in VEEGAN and PacGAN).

  Args:
    points: [N, d] generated samples.
    means: [K, d] mixture means.
    std: isotropic standard deviation of each component, > 0.
    labels: optional [N] int class each sample was generated for (conditional G), in [0, K).
    num_stds: the k's of the high-quality shares, each > 0.
    min_per_mode: a mode is covered when at least this many high-quality samples have it as nearest mean.
      Default (None): max(1, ceil(0.1 N / K)), a tenth of the balanced share. VEEGAN and PacGAN count a mode
      with >= 1 such sample (pass 1 to reproduce their tables); with N = 10 000 that counts a mode reached
      by a few stray samples, and the result grows with N. The relative threshold does not depend on N and
      still counts a mode that holds 10x less mass than it should. (10 000 samples of one Gaussian at mode 0
      of the default ring cover 9 of 10 modes by the >= 1 rule, 3 by this one.)

  Returns:
    dict of Python numbers / lists:
      ring_high_quality_{k:g}std: share of samples within k std of their nearest mean, one key per k.
      ring_modes_covered: int, modes with >= min_per_mode high-quality samples.
      ring_modes_covered_fraction: ring_modes_covered / K.
      ring_mode_counts: [K] ints, high-quality samples per nearest mean.
      ring_mode_kl: KL(p || uniform) = sum_k p_k log(K p_k) (natural log, 0 log 0 = 0) with p = mode counts /
        their sum; 0 when balanced, log K when all on one mode; NaN when no sample is high quality.
      ring_min_per_mode: int, the threshold used.
      ring_own_mode_share (only with labels): share of samples whose nearest mean is their class's mean and
        lies within max(num_stds) std.
      ring_own_mode_share_per_class (only with labels): [K], that share within each class; None for a class
        without samples.
  """
  m = _points(means, "means")
  num_modes = m.shape[0]
  index, distance = nearest_mode(points, m)
  n = index.shape[0]
  if not (np.isfinite(std) and std > 0):
    raise ValueError(f"std={std!r}: expected a finite standard deviation > 0.")
  ks = [float(k) for k in num_stds]
  if not ks or not all(np.isfinite(k) and k > 0 for k in ks):
    raise ValueError(f"num_stds={tuple(num_stds)!r}: expected a non-empty sequence of numbers > 0.")
  if min_per_mode is None:
    min_per_mode = max(1, math.ceil(0.1 * n / num_modes))
  if not isinstance(min_per_mode, (int, np.integer)) or min_per_mode < 1:
    raise ValueError(f"min_per_mode={min_per_mode!r}: expected an int >= 1 or None (ceil(0.1 N / K)).")

  record = {f"ring_high_quality_{k:g}std": float(np.mean(distance < k * std)) for k in ks}
  good = distance < max(ks) * std  # [N]; False for non-finite points (distance inf)
  counts = np.bincount(index[good], minlength=num_modes)  # [K]
  covered = int(np.sum(counts >= min_per_mode))
  record.update(ring_modes_covered=covered, ring_modes_covered_fraction=covered / num_modes,
                ring_mode_counts=[int(c) for c in counts], ring_mode_kl=_kl_to_uniform(counts),
                ring_min_per_mode=int(min_per_mode))
  if labels is not None:
    y = _labels(labels, n, num_modes)
    own = good & (index == y)  # [N]
    per_class = [float(np.mean(own[y == k])) if np.any(y == k) else None for k in range(num_modes)]
    record.update(ring_own_mode_share=float(np.mean(own)), ring_own_mode_share_per_class=per_class)
  return record


def _labels(labels, n: int, num_modes: int) -> np.ndarray:
  y = np.asarray(labels)
  if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
    raise ValueError(f"labels must be int [{n}] (one per point), got {y.dtype} shape {y.shape}.")
  if y.min() < 0 or y.max() >= num_modes:
    raise ValueError(f"labels must lie in [0, {num_modes}) (K = means rows), got range [{y.min()}, {y.max()}].")
  return y.astype(np.int64)


def _kl_to_uniform(counts: np.ndarray) -> float:
  total = counts.sum()
  if total == 0:
    return float("nan")
  p = counts[counts > 0] / total  # 0 log 0 = 0
  return float(max(0.0, np.sum(p * np.log(p * counts.shape[0]))))


def _mean_distance(a: np.ndarray, b: np.ndarray, block_size: int) -> float:
  """Mean Euclidean distance over all N * M pairs (a_i, b_j), i = j included; O(block_size * M) memory."""
  total = 0.0
  for lo in range(0, a.shape[0], block_size):
    blk = a[lo:lo + block_size]
    d2 = np.zeros((blk.shape[0], b.shape[0]))  # [blk, M]
    for c in range(a.shape[1]):  # exact differences, no ||a||^2 + ||b||^2 - 2ab cancellation
      diff = np.subtract(blk[:, c, None], b[None, :, c])  # [blk, M]
      d2 += np.square(diff, out=diff)
    total += float(np.sum(np.sqrt(d2, out=d2)))
  return total / (a.shape[0] * b.shape[0])


def energy_distance(x, y, *, block_size: int = 1024) -> float:
  """Squared energy distance D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'| (Székely & Rizzo 2013), V-statistic.

  All expectations are plain means over all pairs, i = j (zero distance) included, i.e. the energy distance
  of the two empirical distributions: >= 0, and 0 iff they are equal. In 1-D it is the square of
  `scipy.stats.energy_distance(x, y)`. Pairs are processed `block_size` rows at a time, so memory is
  O(block_size * max(N, M)) and time O((N + M)^2 d).

  Args:
    x: [N, d] samples, N >= 1.
    y: [M, d] samples, M >= 1.
    block_size: rows per block, >= 1.

  Returns:
    float.
  """
  a = _points(x, "x")
  b = _points(y, "y", dim=a.shape[1])
  if int(block_size) < 1:
    raise ValueError(f"block_size={block_size!r}: expected an int >= 1.")
  xy, xx, yy = (_mean_distance(u, v, int(block_size)) for u, v in ((a, b), (a, a), (b, b)))
  return float(np.maximum(0.0, 2.0 * xy - xx - yy))  # >= 0 in exact arithmetic: clip rounding; NaN stays NaN


def _wasserstein_1d(u: np.ndarray, v: np.ndarray) -> float:
  """Exact W1 of two 1-D empirical distributions: the integral of |F_u - F_v| (as scipy computes it)."""
  u, v = np.sort(u), np.sort(v)
  grid = np.sort(np.concatenate([u, v]))  # [N + M]
  cdf_u = np.searchsorted(u, grid[:-1], side="right") / u.shape[0]
  cdf_v = np.searchsorted(v, grid[:-1], side="right") / v.shape[0]
  return float(np.sum(np.abs(cdf_u - cdf_v) * np.diff(grid)))


def sliced_wasserstein(x, y, *, num_projections: int = 128, seed: int = 0) -> float:
  """Sliced Wasserstein-1: mean over random unit directions theta of W1(<x, theta>, <y, theta>).

  Directions are standard normals normalised to unit length (uniform on the sphere), drawn from
  `np.random.default_rng(seed)`, so a fixed seed compares checkpoints on the same directions. W1 in 1-D is
  the mean |difference| of the sorted projections when N == M, else the exact integral of |F_x - F_y|.

  Args:
    x: [N, d] samples, N >= 1.
    y: [M, d] samples, M >= 1.
    num_projections: directions, >= 1 (128 by default: the sampling error of the mean is then well under
      the differences between 2-D generators).
    seed: numpy seed of the directions.

  Returns:
    float.
  """
  a = _points(x, "x")
  b = _points(y, "y", dim=a.shape[1])
  if not isinstance(num_projections, (int, np.integer)) or num_projections < 1:
    raise ValueError(f"num_projections={num_projections!r}: expected an int >= 1.")
  theta = np.random.default_rng(seed).standard_normal((int(num_projections), a.shape[1]))  # [P, d]
  theta /= np.linalg.norm(theta, axis=1, keepdims=True)
  pa, pb = a @ theta.T, b @ theta.T  # [N, P], [M, P]
  if a.shape[0] == b.shape[0]:
    return float(np.mean(np.abs(np.sort(pa, axis=0) - np.sort(pb, axis=0))))
  return float(np.mean([_wasserstein_1d(pa[:, p], pb[:, p]) for p in range(theta.shape[0])]))


def ring_metrics(points, real_points, means, std: float, *, labels=None, num_stds: Sequence[float] = (2.0, 3.0),
                 min_per_mode: Optional[int] = None, num_projections: int = 128, seed: int = 0,
                 block_size: int = 1024) -> Dict[str, object]:
  """`mixture_quality` of `points` plus their energy distance and sliced Wasserstein to `real_points`.

  Args:
    points: [N, d] generated samples.
    real_points: [M, d] real samples, e.g. the ring's validation split.
    means, std, labels, num_stds, min_per_mode: as in `mixture_quality`.
    num_projections, seed: as in `sliced_wasserstein`.
    block_size: as in `energy_distance`.

  Returns:
    `mixture_quality`'s dict plus ring_energy_distance (squared, V-statistic) and ring_sliced_wasserstein.
  """
  record = mixture_quality(points, means, std, labels=labels, num_stds=num_stds, min_per_mode=min_per_mode)
  record["ring_energy_distance"] = energy_distance(points, real_points, block_size=block_size)
  record["ring_sliced_wasserstein"] = sliced_wasserstein(points, real_points, num_projections=num_projections,
                                                         seed=seed)
  return record
