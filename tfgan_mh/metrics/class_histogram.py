"""Class histogram of generated samples (Fig. 1a of Wang et al. 2017 (MAGAN), MAGAN on MNIST).

MAGAN §4.1 classifies 50,000 samples of an unconditional generator with a separately trained MNIST
classifier and plots the fraction per class, to show that no mode (class) is dropped.
"""

from typing import NamedTuple

import numpy as np


class ClassHistogram(NamedTuple):
  counts: np.ndarray  # [K] int64 samples per class
  fractions: np.ndarray  # [K] float64, sums to 1


def class_histogram(*, num_classes: int, labels=None, logits=None) -> ClassHistogram:
  """Per-class counts and fractions of predicted (argmax of `logits`) or given `labels`.

  Args:
    num_classes: K.
    labels: [N] int class ids; or
    logits: [N, K] classifier logits / probabilities of samples (class = argmax).

  Returns:
    ClassHistogram(counts [K], fractions [K]).
  """
  if (labels is None) == (logits is None):
    raise ValueError("pass exactly one of labels= or logits=.")
  if logits is not None:
    z = np.asarray(logits)
    if z.ndim != 2 or z.shape[1] != num_classes:
      raise ValueError(f"logits must be [N, {num_classes}], got shape {z.shape}.")
    labels = np.argmax(z, axis=1)
  y = np.asarray(labels).reshape(-1)
  if y.size == 0:
    raise ValueError("need at least one sample.")
  if y.min() < 0 or y.max() >= num_classes:
    raise ValueError(f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}].")
  counts = np.bincount(y, minlength=num_classes).astype(np.int64)
  return ClassHistogram(counts, counts / counts.sum())
