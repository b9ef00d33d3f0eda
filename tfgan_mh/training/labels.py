"""Which class labels the generator draws for its samples during training.

Eq. (3)-(4) of Kavalerov et al. 2019 (MHGAN) draw y ~ p_d, the data's class frequencies; on a balanced set that
is the uniform distribution, which most code uses. `train.fake_labels`:

  "auto"     p_d when the training set is imbalanced (largest class > `IMBALANCE_RATIO` x smallest), else
             uniform (also when a class has no example: p_d would never draw it). MNIST (5421-6742 per class,
             ratio 1.24), CIFAR and the ring are uniform; CelebA-5 and other skewed sets get p_d.
  "uniform"  every class with probability 1 / K.
  "data"     p_d always.

The choice is written to run_info.json ("fake_labels") and into every eval record's protocol.
"""

from typing import Optional, Tuple

import numpy as np

MODES = ("auto", "uniform", "data")
IMBALANCE_RATIO = 1.5  # above this max/min class-count ratio, "auto" samples from p_d


def fake_label_distribution(source, mode: str, conditional: bool) -> Tuple[Optional[np.ndarray], str]:
  """(class probabilities [K] or None for uniform, a description for run_info / eval records).

  Raises:
    ValueError: an unknown mode, or "data" with a class that has no training example (one line).
  """
  if mode not in MODES:
    raise ValueError(f"train.fake_labels={mode!r}: expected one of {', '.join(MODES)}")
  if not conditional:
    return None, "none (unconditional generator)"
  if mode == "uniform":
    return None, "uniform"
  counts = np.asarray(source.class_counts(), np.float64)
  empty = np.flatnonzero(counts == 0)
  ratio = counts.max() / max(counts.min(), 1.0)
  if mode == "auto" and ratio <= IMBALANCE_RATIO:
    return None, f"uniform (auto: class counts {int(counts.min())}-{int(counts.max())}, ratio {ratio:.2f})"
  if mode == "auto" and len(empty):  # p_d would never draw them: keep every class in play
    return None, f"uniform (auto: classes {empty[:8].tolist()} have no training example)"
  if len(empty):
    raise ValueError(f"train.fake_labels={mode!r}: classes {empty[:8].tolist()} have no training example, so "
                     "p_d gives them no samples: use train.fake_labels='uniform'")
  probs = counts / counts.sum()
  shown = ", ".join(f"{p:.3f}" for p in probs[:10]) + (" ..." if len(probs) > 10 else "")
  return probs, f"data class frequencies p_d ({mode}: ratio {ratio:.2f}; {shown})"
