"""`Context`: what a metric group's `build(ctx)` sees of one evaluation (the registry's side of the contract).

A group asks for what it needs (`need_extractor`, `need_heads`, `need_validation`, ...); each ends the build
with `registry.Absent(reason)` when the run cannot have it, so the reasons read the same across groups.
"""

from typing import Any, Dict, Optional, Sequence, Tuple

from tfgan_mh.evaluation import references
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class Context:
  """One evaluation (a checkpoint, or a set of samples) as the metric groups see it.

  Attributes:
    config: the validated EvalConfig.
    num_classes, image_shape, conditional: of the samples (conditional: they carry class labels).
    heads: the discriminator's heads (empty without a discriminator).
    has_discriminator: whether D outputs can be computed.
    checkpoint: the checkpoint prefix (None for samples from elsewhere).
    inception, classifier: the loaded extractors (None when not configured or not used).
    is_splits: Inception Score splits of the protocol.
    protocol: the record's "protocol" dict; groups add the references they use.
    validation_split: the split of the discriminator-side metrics (None: none).
    no_discriminator: the reason D-side groups are absent when there is no D.
  """

  def __init__(self, *, config, real: references.RealData, timer: references.Timer, num_classes: int,
               image_shape: Sequence[int], conditional: bool, heads=(), has_discriminator: bool = False,
               checkpoint: Optional[str] = None, extractors: Optional[Dict[str, Any]] = None,
               is_splits: int = 10, protocol: Optional[Dict[str, Any]] = None,
               validation_split: Optional[str] = None, keep_features: int = 0,
               no_discriminator: str = "the run has no discriminator"):
    self.config = config
    self.real = real
    self.timer = timer
    self.num_classes = int(num_classes)
    self.image_shape = tuple(image_shape)
    self.conditional = conditional
    self.heads = frozenset(heads)
    self.has_discriminator = has_discriminator
    self.checkpoint = checkpoint
    extractors = extractors or {}
    self.inception = extractors.get("inception")
    self.classifier = extractors.get("classifier")
    self.is_splits = is_splits
    self.protocol = {} if protocol is None else protocol
    self.validation_split = validation_split
    self.keep_features = keep_features
    self.pools: Dict[str, streaming.FeaturePool] = {}
    self._shared: Dict[str, Any] = {}
    self.no_discriminator = no_discriminator

  @property
  def source(self):
    return self.real.source

  @property
  def is_image(self) -> bool:
    return len(self.image_shape) == 3

  @property
  def num_samples(self) -> int:
    return self.config.num_samples

  # --- requirements: each returns what was asked for, or ends the build with Absent ---------------

  @staticmethod
  def absent(reason: str):
    raise registry.Absent(reason)

  def need_images(self) -> None:
    if not self.is_image:
      self.absent(f"samples are not images (shape {self.image_shape})")

  def need_extractor(self, role: str):
    self.need_images()
    extractor = getattr(self, role)
    if extractor is None:
      self.absent(f"no --{role} extractor")
    return extractor

  def need_matching_classifier(self):
    classifier = self.need_extractor("classifier")
    if classifier.num_logits != self.num_classes:
      self.absent(f"the classifier has {classifier.num_logits} classes, the run {self.num_classes}")
    return classifier

  def need_conditional(self, reason: str) -> None:
    if not self.conditional:
      self.absent(reason)

  def need_heads(self, any_of: Tuple[str, ...], what: str, missing: Optional[str] = None) -> None:
    if not self.has_discriminator:
      self.absent(self.no_discriminator)
    if not self.heads & set(any_of):
      self.absent(missing or f"D has no {what} (heads {sorted(self.heads)})")

  def need_validation(self) -> str:
    if self.validation_split is None:
      if not self.has_discriminator:
        self.absent(self.no_discriminator)
      if self.config.validation_split == "none":
        self.absent("validation_split=none")
      self.absent(f"the source {self.source.name!r} has no validation/test split")
    return self.validation_split

  # --- shared real and generated data ------------------------------------------------------------

  def reference(self, *, features: bool) -> references.FeatureReference:
    """The real reference of `real_split` (statistics of the --inception features when `features`)."""
    ref = self.real.reference(self.inception if features else None, num_classes=self.num_classes,
                              keep=self.keep_features if features else 0, timer=self.timer)
    if features:
      self.protocol["fid_reference"] = ref.protocol()
    return ref

  def class_reference(self, per_class: Sequence[int]) -> references.ClassReference:
    return self.real.class_reference(self.inception, per_class, self.num_classes, self.timer)

  def real_features(self, role: str):
    """[n, d] float32: the first `max_kept_features` real features of the reference (`role`: inception)."""
    if role != "inception":
      raise ValueError(f"real features are kept for the inception extractor only, not {role!r}")
    kept = self.reference(features=True).kept
    self.protocol["kept_features"] = {"real": int(len(kept)), "generated": min(self.num_samples,
                                                                               self.config.max_kept_features),
                                      "split": self.config.real_split, "extractor": self.inception.name}
    return kept

  def shared(self, key: str, factory):
    """An object shared by the groups of this evaluation (made by `factory()` at the first call)."""
    if key not in self._shared:
      self._shared[key] = factory()
    return self._shared[key]

  def fake_pool(self, role: str) -> streaming.FeaturePool:
    """The shared pool of the first `max_kept_features` generated features of `role`'s extractor."""
    if role not in self.pools:
      self.pools[role] = streaming.FeaturePool(role, self.config.max_kept_features)
    return self.pools[role]
