"""Mean pairwise embedding distance within batches (Fig. 3 iv of Kavalerov et al. 2020 (K+1 GANs)).

K+1 GANs §3 embeds each image of a batch of n * 128 generated images (n = 1..79) with an auxiliary
network (DenseNet-121 penultimate layer, 1024-d), computes all pairwise Euclidean distances, and
records their mean per batch size; 10 trials give a mean and standard deviation per size.

The mean over the B (B - 1) / 2 pairs i < j is computed in float64 in row blocks of the Gram-matrix
form ||a||^2 + ||b||^2 - 2 a.b (clipped at 0), so memory is O(block x B), not O(B^2).
"""

from typing import NamedTuple, Optional, Sequence

import numpy as np


def mean_pairwise_distance(embeddings, *, block_size: int = 1024) -> float:
  """Mean Euclidean distance over all pairs i < j of the rows of `embeddings`.

  Args:
    embeddings: [B, d] with B >= 2.
    block_size: rows per block.

  Returns:
    float (equals `scipy.spatial.distance.pdist(embeddings).mean()`).
  """
  e = np.asarray(embeddings, np.float64)
  if e.ndim != 2 or e.shape[0] < 2:
    raise ValueError(f"embeddings must be [B, d] with B >= 2, got shape {e.shape}.")
  b = e.shape[0]
  sq = np.sum(e * e, axis=1)  # [B]
  total = 0.0
  for lo in range(0, b, block_size):
    hi = min(lo + block_size, b)
    d2 = sq[lo:hi, None] + sq[None, :] - 2.0 * (e[lo:hi] @ e.T)  # [blk, B]
    d2[np.arange(hi - lo), np.arange(lo, hi)] = 0.0  # Exact zero on the diagonal.
    total += np.sum(np.sqrt(np.maximum(d2, 0.0)))
  return float(total / (b * (b - 1)))  # Each unordered pair was summed twice.


def mean_pairwise_distance_over_batches(embeddings, *, batch_size: int) -> float:
  """Mean of `mean_pairwise_distance` over consecutive full batches of `batch_size` rows.

  Args:
    embeddings: [N, d], N >= batch_size; a trailing partial batch is dropped.
    batch_size: rows per batch (>= 2), e.g. n * 128.

  Returns:
    float.
  """
  e = np.asarray(embeddings, np.float64)
  if int(batch_size) < 2 or e.ndim != 2 or e.shape[0] < batch_size:
    raise ValueError(f"need batch_size >= 2 and embeddings [N >= batch_size, d], got batch_size "
                     f"{batch_size} and shape {e.shape}.")
  n = e.shape[0] // batch_size
  return float(np.mean([mean_pairwise_distance(e[i * batch_size:(i + 1) * batch_size])
                        for i in range(n)]))


class DistanceCurve(NamedTuple):
  batch_sizes: np.ndarray  # [S] n * base
  mean: np.ndarray  # [S] mean over trials of the batch's mean pairwise distance
  std: np.ndarray  # [S] population std over trials


def pairwise_distance_curve(embeddings, *, base: int = 128,
                            multiples: Optional[Sequence[int]] = None, num_trials: int = 10,
                            seed: int = 0) -> DistanceCurve:
  """K+1 GANs Fig. 3 iv: mean pairwise distance of batches of n * base samples, over random trials.

  Each trial draws, for each n, a batch of n * base rows without replacement from `embeddings`.

  Args:
    embeddings: [N, d] pool of sample embeddings.
    base: 128 in the K+1 GANs paper.
    multiples: the n's; default 1 .. N // base (the K+1 GANs paper uses 1..79).
    num_trials: 10 in the K+1 GANs paper.
    seed: numpy seed of the draws.

  Returns:
    DistanceCurve.
  """
  e = np.asarray(embeddings, np.float64)
  if e.ndim != 2:
    raise ValueError(f"embeddings must be 2-D [N, d], got shape {e.shape}.")
  if multiples is None:
    multiples = range(1, e.shape[0] // base + 1)
  sizes = np.asarray([int(n) * int(base) for n in multiples], np.int64)
  if sizes.size == 0 or sizes.min() < 2 or sizes.max() > e.shape[0]:
    raise ValueError(f"batch sizes {sizes.tolist()} must lie in [2, {e.shape[0]}] (N rows).")
  rng = np.random.default_rng(seed)
  values = np.array([[mean_pairwise_distance(e[rng.choice(e.shape[0], s, replace=False)])
                      for s in sizes] for _ in range(int(num_trials))])  # [T, S]
  return DistanceCurve(sizes, values.mean(axis=0), values.std(axis=0))
