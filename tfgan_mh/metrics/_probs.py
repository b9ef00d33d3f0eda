"""Shared float64 helpers: class probabilities and entropies from logits or probabilities."""

import numpy as np


def xlogy(x, y):
  """x * log(y) with 0 * log(0) = 0 (elementwise, float64)."""
  x = np.asarray(x, np.float64)
  y = np.asarray(y, np.float64)
  with np.errstate(divide="ignore", invalid="ignore"):
    return np.where(x == 0.0, 0.0, x * np.log(y))


def entropy(p, axis=-1):
  """Shannon entropy in nats, -sum p log p, with 0 log 0 = 0."""
  return -np.sum(xlogy(p, p), axis=axis)


def probs_and_entropy(*, logits=None, probs=None, num_classes=None):
  """Row-wise softmax probabilities and their entropies, in float64.

  Exactly one of `logits` / `probs` is given. Logits go through a float64 log-softmax (as TF-GAN's
  `classifier_score_from_logits`, which casts to float64); probabilities must be non-negative with
  rows summing to 1 (within 1e-3; they are then renormalised).

  Args:
    logits: [B, K] classifier logits.
    probs: [B, K] class probabilities.
    num_classes: optional K to check against.

  Returns:
    (p [B, K], h [B]) float64.
  """
  if (logits is None) == (probs is None):
    raise ValueError("pass exactly one of logits= or probs=.")
  name, value = ("logits", logits) if logits is not None else ("probs", probs)
  x = np.asarray(value, np.float64)
  if x.ndim != 2:
    raise ValueError(f"{name} must be 2-D [batch, classes], got shape {x.shape}.")
  if num_classes is not None and x.shape[1] != num_classes:
    raise ValueError(f"{name} have {x.shape[1]} classes, expected {num_classes}.")
  if not np.all(np.isfinite(x)):
    raise ValueError(f"{name} contain non-finite values.")
  if logits is not None:
    z = x - x.max(axis=1, keepdims=True)  # [B, K]
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))  # [B, K] log-softmax
    p = np.exp(log_p)  # [B, K]
    return p, -np.sum(p * log_p, axis=1)
  if x.size and x.min() < 0:
    raise ValueError(f"probs must be non-negative, got min {x.min()}.")
  sums = x.sum(axis=1, keepdims=True)  # [B, 1]
  if x.size and np.max(np.abs(sums - 1.0)) > 1e-3:
    raise ValueError(f"probs rows must sum to 1, got sums in [{sums.min()}, {sums.max()}].")
  p = x / sums if x.size else x
  return p, entropy(p, axis=1)


def check_distribution(q, name, num_classes=None):
  """A [K] float64 probability vector (non-negative, sums to 1 within 1e-6, renormalised)."""
  q = np.asarray(q, np.float64)
  if q.ndim != 1:
    raise ValueError(f"{name} must be a 1-D [K] distribution, got shape {q.shape}.")
  if num_classes is not None and q.shape[0] != num_classes:
    raise ValueError(f"{name} has {q.shape[0]} classes, expected {num_classes}.")
  if q.min() < 0 or abs(q.sum() - 1.0) > 1e-6:
    raise ValueError(f"{name} must be non-negative and sum to 1, got min {q.min()}, sum {q.sum()}.")
  return q / q.sum()
