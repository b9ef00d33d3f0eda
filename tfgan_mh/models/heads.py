"""Discriminator heads on the penultimate features phi(x) [B, F]; they fill one `DiscOutput`.

Head names (chosen by `build_discriminator(heads=...)`):

  projection         adv_logits [B] = psi(phi) + <E[y], phi>: the projection discriminator of Fig. 2a of
                     Kavalerov et al. 2019 (MHGAN) (psi an SN linear layer to 1, E an SN class embedding).
  adversarial        adv_logits [B] = psi(phi) only: an unconditional binary D (AC-GAN*, GAN*, binary GAN
                     of Zhou et al. 2018 (AM-GAN) / Kavalerov et al. 2020 (K+1 GANs)).
  classifier         class_logits [B, K] from a separate SN linear layer psi_C on phi (MHGAN Fig. 2c and
                     Fig. 9a: ACGAN / MHGAN).
  shared_classifier  class_logits [B, K] with column k = D(x, k) = psi(phi) + <E[k], phi>: the projection
                     evaluated at every class, no new parameters (MHGAN §2.1 and Fig. 2b: MHSharedGAN). It
                     differs from phi E^T only by the per-row constant psi(phi), to which softmax, argmax
                     and the Crammer-Singer hinge are invariant. Needs `projection`.
  kplus1             kplus1_logits [B, K+1] from an SN linear layer; column K is "fake" (LabelGAN /
                     AM-GAN of the AM-GAN paper, K+1 GAN / Mode GAN of K+1 GANs).
  cosine             cosine_logits [B, K] = <phi/|phi|, w_k/|w_k|>: unit features, unit class weights, no
                     bias (Sapkota et al. 2022 (AAM) §3.2); in [-1, 1]. With `cosine_head.embed_dim = E`
                     (gin) phi is first mapped by a linear layer (SN, bias) to an E-d `embedding` and the cosines
                     are taken on it: PyTorch-StudioGAN's ReACGAN D (`linear2`, d_embed_dim 512).
  adc                the auxiliary discriminative classifier of ADC-GAN (Hou, Cao, Shen, Pan, Li & Cheng 2022,
                     "Conditional GANs with Auxiliary Discriminative Classifier", ICML 2022, arXiv:2107.10060):
                     one SN linear layer (no bias, as PyTorch-StudioGAN's) to 2K logits over "real, class k"
                     and "generated, class k": class_logits [B, K] the real half, fake_class_logits [B, K] the
                     generated half (StudioGAN interleaves them: columns 2k and 2k + 1).
  energy             energy [B] of the auto-encoder discriminator (Wang et al. 2017 (MAGAN)); only for arch
                     "magan_ae", built by that network, not here.

Projection without labels (unlabeled data): the label is the pseudo-label argmax_k of the classifier
(`class_logits`, else `cosine_logits`, else the K real columns of `kplus1_logits` — the dynamic label of
AM-GAN §5.1), under stop_gradient (MHGAN §2.2 and Fig. 9b).

All heads run in float32 (also under a mixed bfloat16 policy): phi is cast to float32 and the head
layers are float32 layers.
"""

from typing import Optional, Sequence

import gin
import keras
import tensorflow as tf

from tfgan_mh.models.outputs import DiscOutput, classifier_logits
from tfgan_mh.models.spectral import SNDense, SNEmbedding

CLASSIFIER_HEADS = ("projection", "adversarial", "classifier", "shared_classifier", "kplus1", "cosine", "adc")
ENERGY_HEADS = ("energy",)
# The heads that give class logits (`outputs.classifier_logits` reads them: the GAN's own classifier C).
CLASS_LOGIT_HEADS = ("classifier", "shared_classifier", "kplus1", "cosine", "adc")
# The DiscOutput field each head with weights of its own fills (shared_classifier has none: the projection's).
HEAD_OUTPUTS = dict(projection="adv_logits", adversarial="adv_logits", classifier="class_logits",
                    kplus1="kplus1_logits", cosine="cosine_logits", adc="fake_class_logits")


def check_heads_used(heads: Sequence[str], family) -> None:
  """ValueError (one line) for a head with weights whose output the loss family never reads: no gradient."""
  unused = [h for h in heads if h in HEAD_OUTPUTS and HEAD_OUTPUTS[h] not in family.required_heads]
  if unused:
    raise ValueError(f"loss family {family.name!r} reads only {', '.join(family.required_heads)}, so head(s) "
                     f"{', '.join(unused)} would get no gradient: drop them from build_discriminator.heads={heads}")


def validate_heads(heads: Sequence[str], valid: Sequence[str], arch: str):
  """Checks a tuple of head names for an arch; returns it as a tuple. One-line ValueError otherwise."""
  if isinstance(heads, str):
    heads = (heads,)
  heads = tuple(heads)
  if not heads:
    raise ValueError(f"discriminator arch {arch!r} needs at least one head; valid: {', '.join(valid)}")
  for h in heads:
    if h not in valid:
      raise ValueError(f"head {h!r} is not valid for discriminator arch {arch!r}; valid heads: "
                       f"{', '.join(valid)}")
  if len(set(heads)) != len(heads):
    raise ValueError(f"duplicate head in {heads} for arch {arch!r}")
  if "projection" in heads and "adversarial" in heads:
    raise ValueError("heads 'projection' and 'adversarial' both give adv_logits; choose one")
  given = [h for h in ("classifier", "shared_classifier", "adc") if h in heads]
  if len(given) > 1:
    raise ValueError(f"heads {' and '.join(repr(h) for h in given)} {'both' if len(given) == 2 else 'all'} give "
                     "class_logits; choose one")
  if "shared_classifier" in heads and "projection" not in heads:
    raise ValueError("head 'shared_classifier' reuses the projection embedding: add 'projection' to "
                     f"heads {heads}")
  return heads


@gin.configurable("cosine_head")
def cosine_head_embed_dim(embed_dim: Optional[int] = None) -> Optional[int]:
  """gin `cosine_head.embed_dim`: the width of the cosine head's embedding layer (None = none; module docstring)."""
  return embed_dim


class DiscHeads(keras.layers.Layer):
  """The heads of MHGAN Fig. 2 / AM-GAN / K+1 GANs / AAM on features phi [B, F]; returns a `DiscOutput`.

  Args:
    heads: validated tuple of names from `CLASSIFIER_HEADS`.
    num_classes: K.
    spectral_norm: spectrally normalize psi, psi_C, E, the K+1, the ADC and the cosine embedding layers (the
      cosine class weights never are).
    cosine_embed_dim: None, or the width E of the cosine head's embedding layer (module docstring); default: gin's
      `cosine_head.embed_dim`.
  """

  def __init__(self, heads: Sequence[str], num_classes: int, spectral_norm: bool = True,
               cosine_embed_dim: Optional[int] = None, **kwargs):
    kwargs.setdefault("dtype", "float32")
    super().__init__(**kwargs)
    self.heads = tuple(heads)
    self.num_classes = int(num_classes)
    sn = spectral_norm
    k = self.num_classes
    f32 = dict(dtype="float32")
    self.psi = (SNDense(1, spectral_norm=sn, name="psi", **f32)
                if {"projection", "adversarial"} & set(self.heads) else None)
    self.embed = None  # E [K, F], built once F is known
    self.classifier = (SNDense(k, spectral_norm=sn, name="classifier", **f32)
                       if "classifier" in self.heads else None)
    self.kplus1 = (SNDense(k + 1, spectral_norm=sn, name="kplus1", **f32)
                   if "kplus1" in self.heads else None)
    self.adc = (SNDense(2 * k, use_bias=False, spectral_norm=sn, name="adc", **f32)
                if "adc" in self.heads else None)
    self.cosine = None
    self._sn = sn
    self.cosine_embed = None
    if cosine_embed_dim is None:
      cosine_embed_dim = cosine_head_embed_dim()
    if cosine_embed_dim is not None:
      if isinstance(cosine_embed_dim, bool) or not isinstance(cosine_embed_dim, int) or cosine_embed_dim < 1:
        raise ValueError(f"cosine_head.embed_dim={cosine_embed_dim!r}: expected None or an integer >= 1 "
                         "(StudioGAN's ReACGAN: 512)")
      if "cosine" not in self.heads:
        raise ValueError(f"cosine_head.embed_dim={cosine_embed_dim} needs the 'cosine' head; heads are "
                         f"{self.heads}")
      self.cosine_embed = SNDense(cosine_embed_dim, spectral_norm=sn, name="cosine_embed", **f32)

  def build(self, input_shape):
    f = int(input_shape[-1])
    if "projection" in self.heads:
      self.embed = SNEmbedding(self.num_classes, f, spectral_norm=self._sn, name="embed",
                               dtype="float32")
      self.embed.build((None,))  # `table()` is read before the first lookup
    if "cosine" in self.heads:
      e = f if self.cosine_embed is None else self.cosine_embed.units
      self.cosine = self.add_weight(name="cosine_weights", shape=(e, self.num_classes),
                                    initializer="glorot_uniform", dtype="float32", autocast=False)

  def call(self, phi, labels: Optional[tf.Tensor] = None, training=False):
    phi = tf.cast(phi, tf.float32)  # [B, F]
    out = {"features": phi}
    if self.classifier is not None:
      out["class_logits"] = self.classifier(phi, training=training)  # [B, K]
    if self.kplus1 is not None:
      out["kplus1_logits"] = self.kplus1(phi, training=training)  # [B, K+1]
    if self.adc is not None:
      both = tf.reshape(self.adc(phi, training=training), [-1, self.num_classes, 2])  # [B, K, (real, fake)]
      out["class_logits"], out["fake_class_logits"] = both[:, :, 0], both[:, :, 1]
    if self.cosine is not None:
      w = tf.math.l2_normalize(tf.convert_to_tensor(self.cosine.value), axis=0)  # [E, K]
      embedded = phi
      if self.cosine_embed is not None:
        embedded = out["embedding"] = self.cosine_embed(phi, training=training)  # [B, E]
      out["cosine_logits"] = tf.matmul(tf.math.l2_normalize(embedded, axis=1), w)  # [B, K]
    if self.psi is not None:
      linear = tf.squeeze(self.psi(phi, training=training), -1)  # [B]
      if self.embed is None:
        out["adv_logits"] = linear
      else:
        table = self.embed.table(training)  # [K, F]; one power iteration for both uses
        if "shared_classifier" in self.heads:
          # Fig. 2b of the MHGAN paper: D(x, k) for every k.
          out["class_logits"] = linear[:, None] + tf.matmul(phi, table, transpose_b=True)  # [B, K]
        if labels is None:
          labels = self._pseudo_labels(out)
        e_y = self.embed(labels, table=table)  # [B, F]
        out["adv_logits"] = linear + tf.reduce_sum(e_y * phi, axis=1)  # Fig. 2a of the MHGAN paper: [B]
    return DiscOutput(**out)

  def _pseudo_labels(self, out):
    """argmax of the classifier, MHGAN §2.2 Eq. (8) and Fig. 9b (K+1 head: of its K real columns)."""
    logits = classifier_logits(DiscOutput(**out))
    if logits is None:
      raise ValueError(f"projection discriminator called without labels and heads {self.heads} have no "
                       f"classifier ({', '.join(repr(h) for h in CLASS_LOGIT_HEADS)}) to take pseudo-labels from")
    return tf.stop_gradient(tf.argmax(logits, axis=1, output_type=tf.int32))  # [B]
