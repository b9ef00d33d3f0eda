"""Inception Score (classifier score) with splits, and its entropy decomposition.

IS (Salimans et al., 2016; Eq. (21) of Zhou et al. 2018 (AM-GAN)) for a classifier C:

    IS = exp(E_x[KL(C(x) || C_G)]),   C_G = E_x[C(x)]  (the marginal class distribution of samples),

and, Eq. (22) of AM-GAN §6.1, E_x[KL(C(x) || C_G)] = H(C_G) - E_x[H(C(x))], so

    IS = exp(H(C_G) - E_x[H(C(x))]).

Each split therefore needs only its count, the sum of C(x) over its samples ([K]) and the sum of
the per-sample entropies H(C(x)) — the `InceptionScoreAccumulator` streams logits batch by batch in
O(splits x K) memory. The score per split is exactly TF-GAN's `classifier_score_from_logits`
(float64 softmax, exp of the mean KL) applied to that split; the reported figure is the mean and
the (population, ddof=0) standard deviation over the splits, as the improved-GAN script and
compare_gan report "IS mean ± std over 10 splits" (AM-GAN §6, Wang et al. 2017 (MAGAN) §4.1). With one
split it is TF-GAN's `classifier_score` over all samples, which the numbers of Kavalerov et al. 2019 (MHGAN)
come from (`tfgan_mh.evaluation.protocol`).

The classifier is the Inception network (TF-Hub TF-GAN Inception, 1008 logits) for the papers'
ImageNet-style IS, or a dataset classifier (MAGAN §4.1 uses an MNIST convnet).
"""

from typing import NamedTuple, Optional

import numpy as np

from tfgan_mh.metrics import _probs


class InceptionScore(NamedTuple):
  """IS over splits plus the decomposition of Eq. (22) of the AM-GAN paper over all samples.

  exp(marginal_entropy - mean_sample_entropy) is the single-split IS of all samples; with several
  splits, split_scores[s] = exp(H(C_G of split s) - E_{x in s}[H(C(x))]).
  """
  mean: float  # mean of split_scores
  std: float  # population std (ddof=0) of split_scores
  split_scores: np.ndarray  # [S]
  marginal_entropy: float  # H(C_G), nats, C_G over all samples
  mean_sample_entropy: float  # E_x[H(C(x))], nats, over all samples
  marginal: np.ndarray  # [K] C_G over all samples
  count: int


class InceptionScoreAccumulator:
  """Streams classifier outputs into per-split sums for the Inception Score.

  Split assignment of the j-th sample fed (j = 0, 1, ...):
    * `num_samples=N` given: contiguous splits [s N // S, (s + 1) N // S), as the improved-GAN
      script slices its [N, K] predictions; feeding more than N samples is an error.
    * `num_samples=None`: round robin, split j mod S (for i.i.d. samples the same in distribution).

  Args:
    num_classes: K.
    num_splits: S (10 in the papers).
    num_samples: N, or None for round-robin splits.
  """

  def __init__(self, num_classes: int, num_splits: int = 10, num_samples: Optional[int] = None):
    if int(num_classes) <= 0:
      raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
    if int(num_splits) <= 0:
      raise ValueError(f"num_splits must be a positive int, got {num_splits!r}.")
    if num_samples is not None and int(num_samples) < int(num_splits):
      raise ValueError(f"num_samples ({num_samples}) must be >= num_splits ({num_splits}).")
    self.num_classes = int(num_classes)
    self.num_splits = int(num_splits)
    self.num_samples = None if num_samples is None else int(num_samples)
    self.count = 0
    self._n = np.zeros([self.num_splits], np.int64)  # [S]
    self._sum_p = np.zeros([self.num_splits, self.num_classes], np.float64)  # [S, K]
    self._sum_h = np.zeros([self.num_splits], np.float64)  # [S]

  def _split_of(self, index):
    if self.num_samples is None:
      return index % self.num_splits
    bounds = np.arange(self.num_splits) * self.num_samples // self.num_splits  # [S] split starts
    return np.searchsorted(bounds, index, side="right") - 1

  def update(self, *, logits=None, probs=None) -> "InceptionScoreAccumulator":
    """Adds a batch of classifier outputs: `logits` [B, K] or `probs` [B, K]."""
    p, h = _probs.probs_and_entropy(logits=logits, probs=probs, num_classes=self.num_classes)
    b = p.shape[0]
    if self.num_samples is not None and self.count + b > self.num_samples:
      raise ValueError(f"fed {self.count + b} samples to an accumulator made for "
                       f"num_samples={self.num_samples}.")
    split = self._split_of(self.count + np.arange(b))  # [B]
    for s in np.unique(split):
      rows = split == s  # [B]
      self._n[s] += int(rows.sum())
      self._sum_p[s] += p[rows].sum(axis=0)
      self._sum_h[s] += h[rows].sum()
    self.count += b
    return self

  def merge(self, other: "InceptionScoreAccumulator") -> "InceptionScoreAccumulator":
    """Adds another accumulator's split sums split by split (round-robin accumulators only)."""
    if (not isinstance(other, InceptionScoreAccumulator) or other.num_classes != self.num_classes
        or other.num_splits != self.num_splits):
      raise ValueError("can only merge an InceptionScoreAccumulator with the same K and splits.")
    if self.num_samples is not None or other.num_samples is not None:
      raise ValueError("merge needs round-robin accumulators (num_samples=None).")
    self._n += other._n
    self._sum_p += other._sum_p
    self._sum_h += other._sum_h
    self.count += other.count
    return self

  @property
  def marginal(self) -> np.ndarray:
    """[K] C_G = E_x[C(x)] over all samples fed."""
    if self.count == 0:
      raise ValueError("no samples fed yet.")
    return self._sum_p.sum(axis=0) / self.count

  @property
  def mean_sample_entropy(self) -> float:
    """E_x[H(C(x))] in nats over all samples fed."""
    if self.count == 0:
      raise ValueError("no samples fed yet.")
    return float(self._sum_h.sum() / self.count)

  def result(self) -> InceptionScore:
    """The Inception Score over the splits and its decomposition (Eq. (22) of the AM-GAN paper)."""
    if self.num_samples is not None and self.count != self.num_samples:
      raise ValueError(f"fed {self.count} samples, expected num_samples={self.num_samples}.")
    if np.any(self._n == 0):
      raise ValueError(f"every split needs a sample: fed {self.count} samples for "
                       f"{self.num_splits} splits.")
    q = self._sum_p / self._n[:, None]  # [S, K] per-split C_G
    log_is = _probs.entropy(q, axis=1) - self._sum_h / self._n  # [S] Eq. (22) per split
    scores = np.exp(log_is)  # [S]
    marginal = self.marginal
    return InceptionScore(
        mean=float(scores.mean()), std=float(scores.std()), split_scores=scores,
        marginal_entropy=float(_probs.entropy(marginal)),
        mean_sample_entropy=self.mean_sample_entropy, marginal=marginal, count=self.count)


def inception_score(*, logits=None, probs=None, num_splits: int = 10) -> InceptionScore:
  """Inception Score of in-memory classifier outputs, contiguous splits (improved-GAN / TF-GAN).

  Args:
    logits: [N, K] classifier logits (e.g. the 1008 Inception logits); or
    probs: [N, K] class probabilities.
    num_splits: S, 10 in the papers.

  Returns:
    InceptionScore; `num_splits=1` gives exactly TF-GAN's `classifier_score_from_logits`.
  """
  x = logits if logits is not None else probs
  shape = np.shape(x)
  if len(shape) != 2:
    raise ValueError(f"logits/probs must be 2-D [samples, classes], got shape {shape}.")
  acc = InceptionScoreAccumulator(shape[1], num_splits, num_samples=shape[0])
  return acc.update(logits=logits, probs=probs).result()
