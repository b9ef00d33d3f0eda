"""The one structured output every discriminator returns.

The loss families (`tfgan_mh.losses`) read only this structure, never the network, so a family can
check that the heads it needs were built (a field is `None` when the head is absent).

Conventions (fixed project-wide):
  * K is the number of real classes, read from the data (`tfgan_mh.data`).
  * `kplus1_logits[:, K]` (the LAST column) is the "fake" class of the K+1 discriminators of
    Zhou et al. 2018 (LabelGAN, AM-GAN) and Kavalerov et al. 2020 (K+1 GAN, Mode GAN); columns 0..K-1 are
    the real classes.
  * All heads are float32, also under a mixed bfloat16 policy.
"""

from typing import NamedTuple, Optional

import tensorflow as tf


class DiscOutput(NamedTuple):
  """Heads of a discriminator for one batch of B examples.

  Attributes:
    adv_logits: [B] real/fake logit (projection discriminator: linear(phi(x)) + <embed(y), phi(x)>,
      Fig. 2a of Kavalerov et al. 2019 (MHGAN)). None for K+1 or energy discriminators.
    class_logits: [B, K] auxiliary classifier logits (separate linear head, Fig. 2c of the MHGAN paper, or the
      projection embedding used as classifier, Fig. 2b / MHSharedGAN). None if no classifier.
    kplus1_logits: [B, K+1] logits of the K+1 discriminator; column K is "fake". None otherwise.
    cosine_logits: [B, K] cosine similarities in [-1, 1] between unit features and unit class
      weights (no bias), for the additive angular margin loss, Sec. 3.2 of Sapkota et al. 2022 (AAM).
    energy: [B] per-sample auto-encoder energy ||Dec(Enc(x)) - x|| of Wang et al. 2017 (MAGAN).
    features: [B, F] penultimate features (used for feature matching and as a metric embedding).
    fake_class_logits: [B, K] the "generated, of class k" half of the 2K-way auxiliary discriminative classifier
      of ADC-GAN (Hou et al. 2022); its "real, of class k" half is `class_logits`. None otherwise.
    embedding: [B, E] the cosine head's learned embedding of phi when it has one (`cosine_head.embed_dim`:
      PyTorch-StudioGAN's ReACGAN `d_embed_dim`); cosine_logits are then taken on it. None otherwise.
  """

  adv_logits: Optional[tf.Tensor] = None
  class_logits: Optional[tf.Tensor] = None
  kplus1_logits: Optional[tf.Tensor] = None
  cosine_logits: Optional[tf.Tensor] = None
  energy: Optional[tf.Tensor] = None
  features: Optional[tf.Tensor] = None
  fake_class_logits: Optional[tf.Tensor] = None
  embedding: Optional[tf.Tensor] = None

  def present_heads(self):
    """Names of the heads that are not None (excluding `features` and `embedding`)."""
    return tuple(f for f in self._fields if f not in ("features", "embedding") and getattr(self, f) is not None)


def split_outputs(out: DiscOutput, sizes):
  """Splits every present head of a DiscOutput along the batch axis."""
  parts = [dict() for _ in sizes]
  for name, value in out._asdict().items():
    pieces = tf.split(value, sizes, axis=0) if value is not None else [None] * len(sizes)
    for p, piece in zip(parts, pieces):
      p[name] = piece
  return [DiscOutput(**p) for p in parts]


def classifier_logits(out: DiscOutput):
  """[B, K] logits of whatever classifier head the discriminator has, or None."""
  if out.class_logits is not None:
    return out.class_logits
  if out.cosine_logits is not None:
    return out.cosine_logits
  if out.kplus1_logits is not None:
    return out.kplus1_logits[:, :-1]  # column K is "fake"
  return None


def is_real(out: DiscOutput):
  """[B] bool: the discriminator's real/fake decision, or None for energy discriminators."""
  if out.adv_logits is not None:
    return out.adv_logits > 0.0
  if out.kplus1_logits is not None:
    # Real when the K real classes together outweigh "fake": sum_k p_k > p_fake (AM-GAN Eq. (3)); an
    # argmax over K+1 columns would call almost everything fake when the real classes overlap.
    logits = tf.cast(out.kplus1_logits, tf.float32)
    return tf.reduce_logsumexp(logits[:, :-1], axis=1) > logits[:, -1]
  return None


def adversarial_score(out: DiscOutput, needed_by: str = "this setting", off: str = "") -> tf.Tensor:
  """D's per-example real-vs-fake score [B] float32: `adv_logits`; for a K+1 head (no adv_logits) the binary
  real-vs-fake logit logsumexp(real columns) - fake column (Zhou et al. 2018 (AM-GAN) §3); for an energy D
  (Wang et al. 2017 (MAGAN)) minus the energy (higher = more real). What LeCam and the gradient penalties read.

  Raises ValueError (one line, naming `needed_by` and the setting `off` that turns it off) for heads without one.
  """
  if out.adv_logits is not None:
    return tf.cast(out.adv_logits, tf.float32)
  if out.kplus1_logits is not None:
    logits = tf.cast(out.kplus1_logits, tf.float32)
    return tf.reduce_logsumexp(logits[:, :-1], axis=1) - logits[:, -1]
  if out.energy is not None:
    return -tf.cast(out.energy, tf.float32)
  raise ValueError(f"{needed_by} needs an adversarial output of D (heads 'projection' / 'adversarial', 'kplus1' or "
                   f"'energy'); these heads give none{': set ' + off if off else ''}")
