"""Accuracy-style measures of conditioning: classifier, self, discriminator and projection accuracy.

Papers: §3.2 of Kavalerov et al. 2019 (MHGAN) measures
  * validation accuracy: the auxiliary classifier C on real validation data, argmax_k C_k(x) = y;
  * self accuracy: argmax_k C_k(G(z, y)) = y, i.e. C applied to samples conditioned on y;
  * the projection discriminator used as a classifier, argmax_k D(x, k) (Fig. 2b of the MHGAN paper);
  * discriminator accuracy on real validation data (Fig. 7 of the MHGAN paper): adversarial logit > 0.
GAN-test of Sapkota et al. 2022 (AAM) §4.4 is `classifier_accuracy` of a classifier trained on real data,
applied to generated samples (see `gan_train_test.py` for GAN-train and the trainer).

A K+1 discriminator (Zhou et al. 2018 (AM-GAN), Kavalerov et al. 2020 (K+1 GANs)) classifies with its first K
columns: pass `kplus1_logits[:, :K]`.

All functions are host-side numpy; `reduce=False` returns the per-example boolean `[B]` so the job
can stream counts (`np.sum`, `len`) over batches.
"""

from typing import Callable

import numpy as np
import tensorflow as tf


def _logits_and_labels(logits, labels, name):
  z = np.asarray(logits)
  y = np.asarray(labels).reshape(-1)
  if z.ndim != 2:
    raise ValueError(f"{name} must be 2-D [batch, classes], got shape {z.shape}.")
  if z.shape[0] != y.shape[0]:
    raise ValueError(f"{name} have {z.shape[0]} rows for {y.shape[0]} labels.")
  if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
    raise ValueError(f"labels must lie in [0, {z.shape[1]}), got range [{y.min()}, {y.max()}].")
  return z, y


def _reduce(correct, reduce):
  if not reduce:
    return correct
  if correct.size == 0:
    raise ValueError("cannot average over an empty batch.")
  return float(np.mean(correct))


def classifier_accuracy(*, logits, labels, reduce: bool = True):
  """Top-1 accuracy argmax_k logits[:, k] == labels (MHGAN §3.2 validation accuracy; AAM GAN-test).

  Args:
    logits: [B, K] classifier logits (or probabilities).
    labels: [B] int labels in [0, K).
    reduce: if False, return the [B] bool correctness instead of the mean.

  Returns:
    float accuracy in [0, 1] (or [B] bool).
  """
  z, y = _logits_and_labels(logits, labels, "logits")
  return _reduce(np.argmax(z, axis=1) == y, reduce)


def self_accuracy(*, logits, labels, reduce: bool = True):
  """Self accuracy of MHGAN §3.2: argmax_k C_k(G(z, y)) == y.

  Args:
    logits: [B, K] logits of the GAN's own classifier C on generated samples G(z, y).
    labels: [B] conditioning labels y given to the generator.
    reduce: if False, return the [B] bool correctness.

  Returns:
    float accuracy (or [B] bool).
  """
  return classifier_accuracy(logits=logits, labels=labels, reduce=reduce)


def discriminator_real_accuracy(*, adv_logits, reduce: bool = True):
  """Fraction of real (validation) samples the discriminator calls real: adv logit > 0 (MHGAN Fig. 7).

  Args:
    adv_logits: [B] real/fake logits D(x, y) of real samples (`DiscOutput.adv_logits`).
    reduce: if False, return the [B] bool.

  Returns:
    float accuracy (or [B] bool).
  """
  a = np.asarray(adv_logits)
  if a.ndim != 1:
    raise ValueError(f"adv_logits must be 1-D [batch], got shape {a.shape}.")
  return _reduce(a > 0, reduce)


def discriminator_fake_accuracy(*, adv_logits, reduce: bool = True):
  """Fraction of generated samples the discriminator calls fake: adv logit < 0.

  Args:
    adv_logits: [B] real/fake logits of generated samples.
    reduce: if False, return the [B] bool.

  Returns:
    float accuracy (or [B] bool).
  """
  a = np.asarray(adv_logits)
  if a.ndim != 1:
    raise ValueError(f"adv_logits must be 1-D [batch], got shape {a.shape}.")
  return _reduce(a < 0, reduce)


def projection_accuracy(*, projection_logits, labels, reduce: bool = True):
  """The projection discriminator as a classifier, argmax_k D(x, k) == y (MHGAN §3.2, Fig. 2b).

  For a projection D(x, k) = psi(phi(x)) + <embed(k), phi(x)> the first term does not depend on k,
  so this is the argmax of the class embeddings' affinities.

  Args:
    projection_logits: [B, K] matrix D(x, k) for every class k (see `projection_logits`).
    labels: [B] true labels of x.
    reduce: if False, return the [B] bool.

  Returns:
    float accuracy (or [B] bool).
  """
  return classifier_accuracy(logits=projection_logits, labels=labels, reduce=reduce)


def projection_logits(discriminator_fn: Callable, x, num_classes: int) -> tf.Tensor:
  """Evaluates D(x, k) for every class k: the [B, K] matrix of MHGAN Fig. 2b.

  Costs K discriminator passes per batch (fine for K = 10; for ImageNet's K = 1000 prefer the
  affinities phi(x) @ embed^T, which the MHSharedGAN head already returns as `class_logits`, since
  the class-independent linear term does not change the argmax).

  Args:
    discriminator_fn: callable (x, labels [B] int32) -> adv logits [B] or a `DiscOutput`
      (its `adv_logits` is used), e.g. `lambda x, y: disc(x, y, training=False)`.
    x: [B, ...] inputs.
    num_classes: K.

  Returns:
    [B, K] float32 tensor, column k = D(x, k).
  """
  if int(num_classes) <= 0:
    raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
  b = tf.shape(x)[0]
  columns = []
  for k in range(int(num_classes)):
    out = discriminator_fn(x, tf.fill([b], tf.constant(k, tf.int32)))
    out = getattr(out, "adv_logits", out)
    if out is None:
      raise ValueError("the discriminator has no adversarial (projection) head: adv_logits is None.")
    columns.append(tf.reshape(tf.cast(out, tf.float32), [-1]))  # [B]
  return tf.stack(columns, axis=1)  # [B, K]
