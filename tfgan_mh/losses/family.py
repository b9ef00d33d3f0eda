"""Loss families: the base class, the name registry and the auxiliary-classifier loss choice.

A *loss family* pairs a discriminator objective with a generator objective (one paper equation each)
and says which heads of `DiscOutput` it reads. The trainer uses it as

    fam = losses.get_family("mhinge", num_classes=K)     # hyperparameters from gin or kwargs
    fam.check_heads(disc_output)                          # once, when the trainer is built
    d_terms = fam.discriminator_loss(real=..., fake=..., real_labels=..., fake_labels=...)
    g_terms = fam.generator_loss(fake=..., fake_labels=...)

plus what a family declares it needs (`data_streams`, `generator_needs`) and the hooks of `LossFamily` through
which a family with state (MAGAN's margin) trains it; the trainer knows no family by name.

Each loss method returns a dict of descriptive names to per-example float32 tensors `[B_k]` (B_k may
differ between terms, e.g. labeled vs unlabeled batch), with the weights of the paper (lambda, the 1/2
of Eq. (8) of Kavalerov et al. 2019 (MHGAN), ...) already applied. The objective minimised is
sum_k mean_over_global_batch(terms[k]); the trainer reduces each term once with
its sum / the global batch size and sums. There is no "total" key.

Each concrete family is a `@gin.configurable` class registered under its family name, so a gin file
sets e.g. `mhinge.g_aux_weight = 0.1`; `get_family(name, **overrides)` passes keyword overrides.
"""

import numbers
from typing import Dict, Iterable, Optional, Union

import gin
import tensorflow as tf

from tfgan_mh.losses import angular
from tfgan_mh.losses import core
from tfgan_mh.models.outputs import DiscOutput, classifier_logits

_REGISTRY = {}

AUX_LOSSES = ("ce", "mhinge", "aam")
LABELINGS = ("dynamic", "predefined")


def register(name: str):
  """Class decorator: registers a family class under `name` and makes it gin-configurable as `name`."""

  def wrap(cls):
    if name in _REGISTRY:
      raise ValueError(f"loss family {name!r} is registered twice")
    cls.name = name
    cls = gin.configurable(name, module="tfgan_mh.losses", denylist=["num_classes"])(cls)
    _REGISTRY[name] = cls
    return cls

  return wrap


def family_names():
  """Sorted names of every registered loss family."""
  return tuple(sorted(_REGISTRY))


def get_family(name: str, *, num_classes: int, **overrides) -> "LossFamily":
  """The loss family `name` for K = `num_classes` classes.

  Hyperparameters not given in `overrides` come from gin bindings (`<name>.<param> = ...`), else the
  papers' defaults documented on each family class.

  Raises:
    ValueError: unknown name (the message lists the valid names) or bad hyperparameter.
  """
  if name not in _REGISTRY:
    raise ValueError(f"unknown loss family {name!r}; valid names: {', '.join(family_names())}")
  return _REGISTRY[name](num_classes=num_classes, **overrides)


def _check_choice(family, param, value, valid):
  if value not in valid:
    raise ValueError(f"loss family {family!r}: {param}={value!r} is not one of {', '.join(valid)}")


def _check_nonnegative(family, param, value):
  if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0.0:
    raise ValueError(f"loss family {family!r}: {param}={value!r} must be >= 0")


class LossFamily:
  """Base class of the loss families (see the module docstring for the contract).

  Class attributes (overridden by subclasses):
    name: the registry name.
    required_heads: DiscOutput fields the discriminator must produce (checked once, when the trainer is built).
    conditional_generator: whether G takes class labels (False for dynamic labeling, MAGAN, ...).
    data_streams: the input streams the family trains on beyond the labeled batch, each a batch of images
      served by the data source's `<stream>_input_fn` (`dataset`) and passed to `discriminator_loss` as D's
      output on it under the stream's name: ("unlabeled",) for the SSL families.
    generator_needs: what `generator_loss` takes beyond fake / fake_labels, served by the trainer under these
      keyword names: "real" (D's output on the real batch), "source" (the real images G transformed) and
      "reconstruction" (G applied to its own samples with the real batch's labels).
    generator_takes_images: whether the family trains an image-to-image G(x, c) (models' `takes_images`).
    needs_epochs: whether the trainer calls `on_epoch_end` at every epoch boundary (MAGAN's margin).

  Hooks the trainer calls the same way for every family (the defaults do nothing): `build_state` once under
  the strategy's scope, `d_only_steps` once, `after_step` after every train step (cross-replica, in the train
  loop's graph) and `on_epoch_end` at epoch boundaries (host, between host calls).
  """

  name: str = "base"
  required_heads = ()
  conditional_generator = True
  data_streams = ()
  generator_needs = ()
  generator_takes_images = False
  needs_epochs = False

  def __init__(self, *, num_classes: int):
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
      raise ValueError(f"loss family {self.name!r}: num_classes={num_classes!r} must be an int >= 2")
    self.num_classes = num_classes

  def __repr__(self):
    return f"{type(self).__name__}(name={self.name!r}, num_classes={self.num_classes})"

  # --- heads -----------------------------------------------------------------------------------------

  def check_heads(self, disc_output_or_head_names: Union[DiscOutput, Iterable[str]]):
    """Raises ValueError (one line) if a required head is absent or has the wrong number of classes.

    Args:
      disc_output_or_head_names: a `DiscOutput` (fields that are None are absent) or head names.
    """
    if isinstance(disc_output_or_head_names, DiscOutput):
      out = disc_output_or_head_names
      present = tuple(f for f in out._fields if getattr(out, f) is not None)
    else:
      out = None
      present = tuple(disc_output_or_head_names)
    missing = [h for h in self.required_heads if h not in present]
    if missing:
      raise ValueError(f"loss family {self.name!r} needs head(s) {', '.join(missing)}; "
                       f"the discriminator produces: {', '.join(present) or 'nothing'}")
    if out is not None:
      expected = dict(class_logits=self.num_classes, cosine_logits=self.num_classes,
                      kplus1_logits=self.num_classes + 1)
      for head, width in expected.items():
        value = getattr(out, head)
        if head in self.required_heads and value is not None and value.shape[-1] is not None \
            and value.shape[-1] != width:
          raise ValueError(f"loss family {self.name!r}: head {head} has {value.shape[-1]} columns, "
                           f"expected {width} for num_classes={self.num_classes}")

  # --- losses ----------------------------------------------------------------------------------------

  def discriminator_loss(self, *, real: DiscOutput, fake: DiscOutput, real_labels,
                         fake_labels) -> Dict[str, tf.Tensor]:
    """Per-example discriminator loss terms {name: [B_k] float32}, weights applied (plus one keyword argument
    per `data_streams` entry)."""
    raise NotImplementedError

  def generator_loss(self, *, fake: DiscOutput, fake_labels) -> Dict[str, tf.Tensor]:
    """Per-example generator loss terms {name: [B_k] float32}, weights applied (plus `generator_needs`)."""
    raise NotImplementedError

  # --- what the family adds to training ------------------------------------------------------------

  def dataset(self, source, ctx, *, global_batch_size: int, seed: int) -> tf.data.Dataset:
    """The train stream of `source` (`tfgan_mh.data`): (images, labels, *one images batch per data_streams)."""
    labeled = source.input_fn(ctx, global_batch_size=global_batch_size, split="train", training=True, seed=seed)
    if not self.data_streams:
      return labeled
    streams = []
    for stream in self.data_streams:
      input_fn = getattr(source, f"{stream}_input_fn", None)
      if input_fn is None:
        raise ValueError(f"loss family {self.name!r} trains on a {stream} stream; the data source {source.name!r} "
                         f"has no {stream}_input_fn: choose a source that provides one or another family")
      streams.append(input_fn(ctx, global_batch_size=global_batch_size, seed=seed))
    return tf.data.Dataset.zip((labeled, *streams)).map(lambda xy, *extra: (*xy, *extra))

  def build_state(self) -> Dict[str, tf.Module]:
    """Creates the family's own variables (called once, under the strategy's scope); {checkpoint key: object}."""
    return {}

  def d_only_steps(self, epoch_len: Optional[int]) -> int:
    """Train steps at the start of a run with discriminator updates only (`epoch_len`: steps per epoch)."""
    del epoch_len
    return 0

  def after_step(self, d_outs, g_out, global_batch_size: int) -> Dict[str, tf.Tensor]:
    """After every train step, in cross-replica context: the global-batch measurements of its D steps (a list)
    and of its G step (None during D-only steps); returns measurements of the family's own."""
    del d_outs, g_out, global_batch_size
    return {}

  def on_epoch_end(self, *, step: int, epoch_len: int, mean_real_energy) -> Dict[str, float]:
    """At step `step`, the end of an epoch (only when `needs_epochs`); `mean_real_energy(num_batches)` is D's
    mean energy on real data (no updates). Returns scalars for the summaries."""
    del step, epoch_len, mean_real_energy
    return {}


class AuxClassifier:
  """The auxiliary classifier loss of the AC-GAN-style families: 'ce' | 'mhinge' | 'aam'.

    * 'ce': softmax cross-entropy on `class_logits` (AC-GAN; Eq. (10) of the MHGAN paper, Eq. (7)/(9) of
      Zhou et al. 2018 (AM-GAN)).
    * 'mhinge': Crammer-Singer multi-hinge on `class_logits` (Eq. (4) of the MHGAN paper).
    * 'aam': additive angular margin loss on `cosine_logits` (Eq. (8) of Sapkota et al. 2022 (AAM)).

  Args:
    family: name of the owning family (for error messages).
    aux_loss: one of AUX_LOSSES.
    mhinge_margin: margin of the Crammer-Singer loss (1 in Eq. (4) of the MHGAN paper).
    aam_scale, aam_margin: s and m of Eq. (8) of the AAM paper.
  """

  def __init__(self, family: str, aux_loss: str, *, mhinge_margin: float, aam_scale: float,
               aam_margin: float):
    _check_choice(family, "aux_loss", aux_loss, AUX_LOSSES)
    if not aam_scale > 0.0:
      raise ValueError(f"loss family {family!r}: aam_scale={aam_scale!r} must be > 0")
    _check_nonnegative(family, "aam_margin", aam_margin)
    _check_nonnegative(family, "mhinge_margin", mhinge_margin)
    self.aux_loss = aux_loss
    self.mhinge_margin = mhinge_margin
    self.aam_scale = aam_scale
    self.aam_margin = aam_margin

  @property
  def head(self) -> str:
    return "cosine_logits" if self.aux_loss == "aam" else "class_logits"

  def logits(self, out: DiscOutput):
    """[B, K] the classifier's logits (cosines for 'aam'); their argmax is the predicted class."""
    return getattr(out, self.head)

  def loss(self, out: DiscOutput, labels):
    """[B] auxiliary classifier loss of `out` w.r.t. `labels`."""
    logits = self.logits(out)
    if self.aux_loss == "ce":
      return core.softmax_cross_entropy(logits=logits, labels=labels)
    if self.aux_loss == "mhinge":
      return core.crammer_singer(logits=logits, labels=labels, margin=self.mhinge_margin)
    return angular.aam_cross_entropy(cos_logits=logits, labels=labels, scale=self.aam_scale,
                                     margin=self.aam_margin)

  def uniform_loss(self, out: DiscOutput):
    """[B] cross-entropy against the uniform class distribution, Eq. (20) of the AM-GAN paper.

    On the softmax of `class_logits` ('ce') or of s * cos ('aam': no target class, so no margin).
    """
    logits = self.logits(out)
    if self.aux_loss == "aam":
      logits = self.aam_scale * tf.cast(logits, tf.float32)
    return core.uniform_cross_entropy(logits=logits)


def pseudo_labels(out: DiscOutput):
  """[B] int32 argmax of the classifier head (`models.outputs.classifier_logits`: class, cosine or the K+1 head's
  real columns), no gradient.

  The pseudo-labels y~_C(x) = argmax_k C_k(x) of Eq. (8)/(9) of the MHGAN paper and the dynamic
  labels of AM-GAN §5.1.
  """
  logits = classifier_logits(out)
  if logits is None:
    raise ValueError("pseudo_labels needs a classifier head (class_logits, cosine_logits or "
                     f"kplus1_logits); the discriminator produces: {', '.join(out.present_heads())}")
  return core.argmax_labels(logits=logits)
