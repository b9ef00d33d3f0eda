"""Classifier confidence on generated samples: histogram and average (Fig. 6 of Sapkota et al. 2022 (AAM)).

AAM §4.4 ("average confidence score") evaluates, with a classifier trained on real data, the
class-conditional probability of generated samples and plots its distribution (Fig. 6: ideally all
mass near 1). Two readings are provided:
  * `labels=None`: confidence = max_k C_k(x), the classifier's top probability;
  * `labels=y` (the conditioning labels of G(z, y)): confidence = C_y(x), the probability of the
    class the sample was generated for (the class-conditional probability of the AAM paper /
    StarGAN-style attribute confidence).
Histogram bins are equal-width on [0, 1] (the last bin includes 1.0); counts add over batches.
"""

from typing import NamedTuple, Optional

import numpy as np

from tfgan_mh.metrics import _probs


class Confidence(NamedTuple):
  mean: float  # average confidence
  counts: np.ndarray  # [num_bins] int64 histogram counts
  bin_edges: np.ndarray  # [num_bins + 1] in [0, 1]
  values: np.ndarray  # [N] per-sample confidence


def confidence_distribution(*, logits=None, probs=None, labels: Optional[np.ndarray] = None,
                            num_bins: int = 20) -> Confidence:
  """Distribution and mean of classifier confidence on samples (AAM Fig. 6).

  Args:
    logits: [N, K] classifier logits of generated samples; or
    probs: [N, K] probabilities.
    labels: optional [N] conditioning labels; given, confidence is C_y(x), else max_k C_k(x).
    num_bins: histogram bins on [0, 1].

  Returns:
    Confidence(mean, counts, bin_edges, values).
  """
  if int(num_bins) <= 0:
    raise ValueError(f"num_bins must be a positive int, got {num_bins!r}.")
  p, _ = _probs.probs_and_entropy(logits=logits, probs=probs)  # [N, K]
  if p.shape[0] == 0:
    raise ValueError("need at least one sample.")
  if labels is None:
    values = p.max(axis=1)  # [N]
  else:
    y = np.asarray(labels).reshape(-1)
    if y.shape[0] != p.shape[0] or y.min() < 0 or y.max() >= p.shape[1]:
      raise ValueError(f"labels must be [{p.shape[0]}] ints in [0, {p.shape[1]}), got shape "
                       f"{y.shape} range [{y.min()}, {y.max()}].")
    values = p[np.arange(p.shape[0]), y]  # [N]
  counts, edges = np.histogram(values, bins=int(num_bins), range=(0.0, 1.0))
  return Confidence(float(values.mean()), counts.astype(np.int64), edges, values)
