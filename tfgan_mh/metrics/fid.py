"""Fréchet (Inception) distance and intra-class FID.

FID (Heusel et al., 2017, arXiv:1706.08500, Eq. (6)) between Gaussians N(m1, C1) and N(m2, C2):

    d^2 = ||m1 - m2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)),

used by Kavalerov et al. 2019 (MHGAN) (Table 1, Fig. 4c intra-class FID) with Inception pool_3 features, or
with any classifier's features. Semantics follow TF-GAN's `tfgan.eval.frechet_classifier_distance_from_
activations`: float64, unbiased covariances (n - 1), and Tr((C1 C2)^(1/2)) computed as
Tr((A C2 A)^(1/2)) with A = C1^(1/2) (C1 C2 and A C2 A = A (A C2) have the same eigenvalues, and
A C2 A is symmetric PSD).

Matrix square root (`method`):
  * "eigh" (default): A = V diag(sqrt(max(w, 0))) V^T from `np.linalg.eigh(C1)`, then
    Tr((A C2 A)^(1/2)) = sum_i sqrt(max(lambda_i, 0)) with lambda = `np.linalg.eigvalsh(A C2 A)`.
    Symmetric eigensolvers return real eigenvalues, so no imaginary parts arise; eigenvalues below
    the numerical-rank tolerance d * eps * max|lambda| — including those round-off pushes below
    zero for rank-deficient covariances (N < d) — are set to 0 before the root, as TF-GAN leaves
    singular values < 1e-10 un-rooted (i.e. ~0) in its SVD route.
  * "sqrtm": `scipy.linalg.sqrtm(C1 @ C2)` (the pytorch-fid / original TTUR route); the tiny imaginary
    part produced by round-off is dropped (its size is returned in `FrechetResult.max_imag`), and
    if the result is not finite, 1e-6 is added to both diagonals (as TTUR does). Slower at d = 2048.
"""

from typing import Dict, Iterable, NamedTuple, Optional

import numpy as np
import scipy.linalg

from tfgan_mh.metrics.feature_stats import ClassFeatureStats
from tfgan_mh.metrics.feature_stats import FeatureStats

METHODS = ("eigh", "sqrtm")


def _check_gaussian(mean, cov, name):
  mean = np.asarray(mean, np.float64)
  cov = np.asarray(cov, np.float64)
  if mean.ndim != 1 or cov.shape != (mean.shape[0], mean.shape[0]):
    raise ValueError(f"{name}: need mean [d] and cov [d, d], got {mean.shape} and {cov.shape}.")
  return mean, cov


def _clip_to_rank(eigenvalues):
  """Eigenvalues below the numerical-rank tolerance d * eps * max|lambda| (np.linalg.matrix_rank's) -> 0.

  Round-off leaves the zero eigenvalues of a singular PSD matrix at +-(eps * ||M||); their square
  roots (~1e-8 * sqrt(||M||) each) would otherwise add up to a visible error over d = 2048 of them.
  """
  tol = eigenvalues.shape[0] * np.finfo(np.float64).eps * np.max(np.abs(eigenvalues), initial=0.0)
  return np.where(eigenvalues > tol, eigenvalues, 0.0)


def trace_sqrt_product(cov1, cov2, *, method: str = "eigh"):
  """Tr((C1 C2)^(1/2)) for symmetric PSD C1, C2 (float64).

  Args:
    cov1: [d, d] covariance.
    cov2: [d, d] covariance.
    method: "eigh" or "sqrtm" (see module docstring).

  Returns:
    (trace, max_imag): float trace and the largest |imaginary part| dropped (0.0 for "eigh").
  """
  if method == "eigh":
    w, v = np.linalg.eigh(cov1)  # [d], [d, d]
    root1 = (v * np.sqrt(_clip_to_rank(w))) @ v.T  # [d, d] A = C1^(1/2)
    inner = root1 @ cov2 @ root1  # [d, d] A C2 A, symmetric PSD
    lam = np.linalg.eigvalsh(0.5 * (inner + inner.T))  # [d]
    return float(np.sum(np.sqrt(_clip_to_rank(lam)))), 0.0
  if method == "sqrtm":
    root = scipy.linalg.sqrtm(cov1 @ cov2)
    if not np.all(np.isfinite(root)):
      eps = 1e-6 * np.eye(cov1.shape[0])
      root = scipy.linalg.sqrtm((cov1 + eps) @ (cov2 + eps))
    max_imag = float(np.max(np.abs(np.imag(root)))) if np.iscomplexobj(root) else 0.0
    return float(np.trace(np.real(root))), max_imag
  raise ValueError(f"method must be one of {METHODS}, got {method!r}.")


class FrechetResult(NamedTuple):
  """FID and its terms: fid = mean_term + trace_term."""
  fid: float
  mean_term: float  # ||m1 - m2||^2
  trace_term: float  # Tr(C1 + C2 - 2 (C1 C2)^(1/2))
  max_imag: float  # |imaginary part| dropped by method="sqrtm"; 0.0 for "eigh"


def frechet_distance(mean1, cov1, mean2, cov2, *, method: str = "eigh") -> FrechetResult:
  """Fréchet distance between N(mean1, cov1) and N(mean2, cov2), Eq. (6) of arXiv:1706.08500.

  Args:
    mean1: [d] mean of the first (e.g. real) features.
    cov1: [d, d] covariance of the first features.
    mean2: [d] mean of the second (e.g. generated) features.
    cov2: [d, d] covariance of the second features.
    method: matrix square root route, "eigh" (default) or "sqrtm" (module docstring).

  Returns:
    FrechetResult (all float64 Python floats). Round-off can make `fid` slightly negative
    (~1e-10 relative) for identical statistics; it is not clipped.
  """
  mean1, cov1 = _check_gaussian(mean1, cov1, "first Gaussian")
  mean2, cov2 = _check_gaussian(mean2, cov2, "second Gaussian")
  if mean1.shape != mean2.shape:
    raise ValueError(f"feature dims differ: {mean1.shape[0]} vs {mean2.shape[0]}.")
  tr_root, max_imag = trace_sqrt_product(cov1, cov2, method=method)
  mean_term = float(np.sum((mean1 - mean2) ** 2))
  trace_term = float(np.trace(cov1) + np.trace(cov2) - 2.0 * tr_root)
  return FrechetResult(mean_term + trace_term, mean_term, trace_term, max_imag)


def fid_from_stats(real: FeatureStats, fake: FeatureStats, *, method: str = "eigh") -> float:
  """FID between two streamed feature sets (`FeatureStats`, each with >= 2 samples)."""
  return frechet_distance(real.mean, real.cov, fake.mean, fake.cov, method=method).fid


def fid_from_features(real_features, fake_features, *, method: str = "eigh") -> float:
  """FID from in-memory features, TF-GAN's `frechet_classifier_distance_from_activations`.

  Args:
    real_features: [N1, d] features of real samples.
    fake_features: [N2, d] features of generated samples.
    method: "eigh" or "sqrtm".

  Returns:
    float FID.
  """
  real = FeatureStats(np.shape(real_features)[-1]).update(real_features)
  fake = FeatureStats(np.shape(fake_features)[-1]).update(fake_features)
  return fid_from_stats(real, fake, method=method)


class IntraClassFID(NamedTuple):
  """Intra-class FID of Fig. 4c of the MHGAN paper: one FID per class and their mean."""
  per_class: Dict[int, float]  # class id -> FID(real class c, generated class c)
  mean: float  # unweighted mean over the classes in per_class


def intra_class_fid(real: ClassFeatureStats, fake: ClassFeatureStats, *,
                    classes: Optional[Iterable[int]] = None,
                    method: str = "eigh") -> IntraClassFID:
  """FID computed separately for each class c between real and generated samples of class c.

  Fig. 4c of the MHGAN paper (per-class FID of SAGAN vs MHGAN on ImageNet; "mean class FID").
  Generated samples are routed by their conditioning label y of G(z, y).

  Args:
    real: per-class stats of real data (routed by true label).
    fake: per-class stats of generated data (routed by conditioning label).
    classes: classes to evaluate; default every class present in both (a chunk of classes when
      the job processes ImageNet in chunks).
    method: "eigh" or "sqrtm".

  Returns:
    IntraClassFID.
  """
  if classes is None:
    classes = sorted(set(real.per_class) & set(fake.per_class))
    if not classes:
      raise ValueError("no class has statistics in both the real and the generated sets.")
  per_class = {}
  for c in classes:
    c = int(c)
    for name, stats in (("real", real), ("generated", fake)):
      n = stats.per_class[c].count if c in stats.per_class else 0
      if n < 2:
        raise ValueError(f"class {c}: the {name} set has {n} samples, need at least 2.")
    per_class[c] = fid_from_stats(real[c], fake[c], method=method)
  return IntraClassFID(per_class, float(np.mean(list(per_class.values()))))
