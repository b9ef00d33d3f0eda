"""The streaming interface between the evaluator and the metric groups (`metric_groups/`).

The evaluator (`tfgan_mh.evaluation.evaluator`) pushes every batch of generated samples (`FakeBatch`) and of
real validation data (`RealBatch`) through the networks and extractors once, then hands it to each active
metric's `update_fake` / `update_real`; `result()` returns that metric's entries of the metrics.jsonl record.
The math is `tfgan_mh.metrics`'; the metrics only keep the streaming state, whose size does not grow with the
number of samples beyond O(samples) scalars: feature statistics are O(d^2) (`FeatureStats`), IS / AM Score
O(splits x K), and the pools are bounded by their own settings (`FeaturePool`: max_kept_features; MS-SSIM
images per class, pairwise-distance embeddings, GAN-train images when that opt-in metric is on).

Result values: floats, lists (histograms, per-class values; None where a class has no value), and, under
keys starting with "_", arrays for TensorBoard only (not written to metrics.jsonl).
"""

import dataclasses
from typing import Any, Dict, Optional, Tuple

import numpy as np


Outputs = Tuple[np.ndarray, np.ndarray]  # (logits [b, L], features [b, d]) of an extractor


@dataclasses.dataclass
class FakeBatch:
  """One batch of generated samples and what the job computed on it (None: not needed / not available)."""
  images: np.ndarray  # [b, *image_shape] float32 in [-1, 1] (raw coordinates for 2-D data)
  labels: Optional[np.ndarray]  # [b] int conditioning labels y of G(z, y); None for an unconditional G
  inception: Optional[Outputs] = None  # the --inception extractor (IS / FID space)
  classifier: Optional[Outputs] = None  # the --classifier extractor (dataset classifier)
  class_logits: Optional[np.ndarray] = None  # [b, K] the GAN's own classifier C (D's head)
  adv_logits: Optional[np.ndarray] = None  # [b] D's real/fake logit
  energy: Optional[np.ndarray] = None  # [b] auto-encoder energy D(G(z))


@dataclasses.dataclass
class RealBatch:
  """One batch of real validation data and D's outputs on it."""
  images: np.ndarray  # [b, *image_shape]
  labels: np.ndarray  # [b] true labels
  class_logits: Optional[np.ndarray] = None  # [b, K]
  adv_logits: Optional[np.ndarray] = None  # [b] D(x, y) with the true y
  projection: Optional[np.ndarray] = None  # [b, K] D(x, k) for every k (Kavalerov et al. 2019 (MHGAN) Fig. 2b)
  energy: Optional[np.ndarray] = None  # [b]


class StreamingMetric:
  """Base: `needs` names the batch fields it reads; subclasses override the updates and `result`."""

  needs: Tuple[str, ...] = ()

  def update_fake(self, batch: FakeBatch) -> None:
    del batch

  def update_real(self, batch: RealBatch) -> None:
    del batch

  def result(self) -> Dict[str, Any]:
    raise NotImplementedError


class AccuracyMetric(StreamingMetric):
  """Streams the per-example correctness of one of `tfgan_mh.metrics.accuracy`'s measures.

  Args:
    key: record key.
    side: "fake" (generated batches) or "real" (validation batches).
    correct_fn: batch -> [b] bool (calls a `tfgan_mh.metrics` function with reduce=False).
    needs: batch fields it reads.
  """

  def __init__(self, key: str, side: str, correct_fn, needs: Tuple[str, ...]):
    self.key, self.side, self.correct_fn, self.needs = key, side, correct_fn, needs
    self.correct = 0
    self.count = 0

  def _add(self, batch):
    c = np.asarray(self.correct_fn(batch))
    self.correct += int(c.sum())
    self.count += int(c.size)

  def update_fake(self, batch):
    if self.side == "fake":
      self._add(batch)

  def update_real(self, batch):
    if self.side == "real":
      self._add(batch)

  def result(self):
    if not self.count:
      raise ValueError(f"{self.key}: no {self.side} samples were seen")
    return {self.key: self.correct / self.count}


class FeaturePool(StreamingMetric):
  """The first `capacity` generated features of an extractor, shared by the metrics that need them whole
  (KID, precision-recall, density-coverage; one pool per extractor and evaluation). Writes no record keys."""

  def __init__(self, role: str, capacity: int):
    self.role, self.capacity = role, int(capacity)
    self.needs = (role,)
    self.chunks = []
    self.kept = 0

  def update_fake(self, batch):
    if self.kept < self.capacity:
      f = np.asarray(getattr(batch, self.role)[1][:self.capacity - self.kept], np.float32)
      self.chunks.append(f)
      self.kept += f.shape[0]

  def features(self) -> np.ndarray:
    """[kept, d] float32."""
    if not self.chunks:
      raise ValueError(f"no generated {self.role} features were kept")
    return np.concatenate(self.chunks)

  def result(self):
    return {}
