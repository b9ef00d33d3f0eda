"""Streaming first and second moments of feature vectors (for FID and intra-class FID).

FID (Heusel et al., 2017, arXiv:1706.08500, Eq. (6)) needs only the mean and covariance of the
feature sets, so the eval job never keeps the `[N, d]` features: it feeds batches to a
`FeatureStats`, whose memory is O(d^2) (2048-d Inception pool_3: 32 MiB in float64) whatever N is.

Numerics (float64 throughout):
  * count n, s = sum_i (x_i - c) and S = sum_i (x_i - c)(x_i - c)^T are accumulated around a fixed
    shift c (the mean of the first batch; the "shifted data" algorithm), so that the covariance
    (S - s s^T / n) / (n - 1) does not lose digits to cancellation when the mean is large compared to
    the spread. `merge` re-centres the other accumulator's sums exactly onto this shift.
  * `cov` is the unbiased sample covariance (divisor n - 1), as `np.cov` and TF-GAN's
    `frechet_classifier_distance_from_activations`.

`ClassFeatureStats` keeps one `FeatureStats` per class for intra-class FID (Fig. 4c of
Kavalerov et al. 2019 (MHGAN), MHGAN on ImageNet). Memory is (classes seen) x d^2 x 8 bytes: 10 classes x
2048-d = 335 MB, but 1000 ImageNet classes x 2048-d = 33.5 GB, so for ImageNet the job must process
classes in chunks (`classes=` restricts which labels are kept; a chunk's stats can be saved with
`state()`/`from_state()` and freed).
"""

from typing import Dict, Iterable, Optional

import numpy as np


def _as_features(features, dim=None):
  """Host float64 `[B, d]` array from a numpy array / eager tensor; ValueError on a bad shape."""
  x = np.asarray(features, dtype=np.float64)
  if x.ndim != 2:
    raise ValueError(f"features must be 2-D [batch, dim], got shape {x.shape}.")
  if dim is not None and x.shape[1] != dim:
    raise ValueError(f"features have dim {x.shape[1]}, but this accumulator holds dim {dim}.")
  return x


class FeatureStats:
  """Count, shifted sum and shifted sum of outer products of `d`-dim features (float64).

  Usage:
    stats = FeatureStats(2048)
    for batch in batches:
      stats.update(batch)        # [B, 2048]
    mu, sigma = stats.mean, stats.cov

  Args:
    dim: feature dimension d.
  """

  def __init__(self, dim: int):
    if int(dim) <= 0:
      raise ValueError(f"dim must be a positive int, got {dim!r}.")
    self.dim = int(dim)
    self.count = 0
    self._shift = None  # [d] set by the first non-empty update.
    self._sum = np.zeros([self.dim], np.float64)  # [d] sum of (x - shift)
    self._outer = np.zeros([self.dim, self.dim], np.float64)  # [d, d] sum of (x - shift)(x - shift)^T

  @property
  def nbytes(self) -> int:
    """Bytes held (independent of the number of samples)."""
    return self._sum.nbytes + self._outer.nbytes + (0 if self._shift is None else self._shift.nbytes)

  def update(self, features) -> "FeatureStats":
    """Adds a batch of features.

    Args:
      features: [B, d] array or eager tensor (any float dtype; accumulated in float64). B may be 0.

    Returns:
      self.
    """
    x = _as_features(features, self.dim)  # [B, d]
    if x.shape[0] == 0:
      return self
    if self._shift is None:
      self._shift = x.mean(axis=0)  # [d]
    xc = x - self._shift  # [B, d]
    self._sum += xc.sum(axis=0)
    self._outer += xc.T @ xc  # [d, d]
    self.count += x.shape[0]
    return self

  def merge(self, other: "FeatureStats") -> "FeatureStats":
    """Adds the samples summarised by `other` (e.g. another worker's or replica's stats).

    Returns:
      self.
    """
    if not isinstance(other, FeatureStats):
      raise ValueError(f"can only merge a FeatureStats, got {type(other).__name__}.")
    if other.dim != self.dim:
      raise ValueError(f"cannot merge stats of dim {other.dim} into stats of dim {self.dim}.")
    if other.count == 0:
      return self
    if self._shift is None:
      self._shift = other._shift.copy()
    delta = other._shift - self._shift  # [d] other's shift in this accumulator's frame
    # sum(x - c) = sum(x - c_o) + n_o (c_o - c); the outer products expand the same way.
    moved_sum = other._sum + other.count * delta  # [d]
    self._outer += (other._outer + np.outer(other._sum, delta) + np.outer(delta, other._sum)
                    + other.count * np.outer(delta, delta))
    self._sum += moved_sum
    self.count += other.count
    return self

  def _require(self, n):
    if self.count < n:
      raise ValueError(f"need at least {n} samples, this FeatureStats has {self.count}.")

  @property
  def mean(self) -> np.ndarray:
    """[d] float64 sample mean."""
    self._require(1)
    return self._shift + self._sum / self.count

  @property
  def cov(self) -> np.ndarray:
    """[d, d] float64 unbiased sample covariance (divisor n - 1, as np.cov)."""
    self._require(2)
    m = self._sum / self.count  # [d] mean of the shifted data
    c = (self._outer - self.count * np.outer(m, m)) / (self.count - 1)  # [d, d]
    return 0.5 * (c + c.T)  # Exactly symmetric.

  def state(self) -> Dict[str, np.ndarray]:
    """Arrays that reproduce this accumulator (`np.savez(path, **stats.state())`)."""
    shift = np.zeros([self.dim]) if self._shift is None else self._shift
    return {"count": np.asarray(self.count, np.int64), "shift": shift, "sum": self._sum,
            "outer": self._outer}

  @classmethod
  def from_state(cls, state) -> "FeatureStats":
    """Inverse of `state()` (accepts the dict or a loaded `.npz`)."""
    stats = cls(np.asarray(state["sum"]).shape[0])
    stats.count = int(state["count"])
    stats._sum = np.array(state["sum"], np.float64)
    stats._outer = np.array(state["outer"], np.float64)
    stats._shift = np.array(state["shift"], np.float64) if stats.count else None
    return stats


class ClassFeatureStats:
  """One `FeatureStats` per class label, for intra-class FID (Fig. 4c of the MHGAN paper).

  Accumulators are created lazily for the labels seen, so memory is (classes seen) x d^2 x 8 bytes.

  Args:
    dim: feature dimension d.
    num_classes: K; labels must be in [0, K).
    classes: optional subset of labels to keep (others are dropped), to process ImageNet's 1000
      classes in chunks that fit in memory.
  """

  def __init__(self, dim: int, num_classes: int, classes: Optional[Iterable[int]] = None):
    if int(num_classes) <= 0:
      raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
    self.dim = int(dim)
    self.num_classes = int(num_classes)
    self.classes = None if classes is None else frozenset(int(c) for c in classes)
    if self.classes is not None and any(not 0 <= c < self.num_classes for c in self.classes):
      raise ValueError(f"classes must lie in [0, {self.num_classes}), got {sorted(self.classes)}.")
    self.per_class: Dict[int, FeatureStats] = {}

  def update(self, features, labels) -> "ClassFeatureStats":
    """Routes each row of `features` [B, d] to the accumulator of its label `labels` [B]."""
    x = _as_features(features, self.dim)  # [B, d]
    y = np.asarray(labels).reshape(-1)  # [B]
    if y.shape[0] != x.shape[0]:
      raise ValueError(f"labels have {y.shape[0]} entries for {x.shape[0]} feature rows.")
    if y.size and (y.min() < 0 or y.max() >= self.num_classes):
      raise ValueError(f"labels must lie in [0, {self.num_classes}), got range "
                       f"[{y.min()}, {y.max()}].")
    for c in np.unique(y):
      c = int(c)
      if self.classes is not None and c not in self.classes:
        continue
      self.per_class.setdefault(c, FeatureStats(self.dim)).update(x[y == c])
    return self

  def merge(self, other: "ClassFeatureStats") -> "ClassFeatureStats":
    """Adds `other`'s per-class statistics."""
    if not isinstance(other, ClassFeatureStats) or other.dim != self.dim:
      raise ValueError("can only merge a ClassFeatureStats of the same dim.")
    for c, stats in other.per_class.items():
      if self.classes is None or c in self.classes:
        self.per_class.setdefault(c, FeatureStats(self.dim)).merge(stats)
    return self

  def __getitem__(self, label: int) -> FeatureStats:
    return self.per_class[int(label)]

  def counts(self) -> np.ndarray:
    """[K] int64 number of samples seen per class."""
    out = np.zeros([self.num_classes], np.int64)
    for c, stats in self.per_class.items():
      out[c] = stats.count
    return out
