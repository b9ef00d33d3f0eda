r"""The field's newer feature spaces for FD / KID / precision-recall / density-coverage / CMMD: DINOv2 and CLIP image
encoders from KerasHub (Keras 3's maintained model library), as eval-job extractors (`extractors.load_extractor`).

  load_extractor("dinov2")              # FD_DINOv2: DINOv2 ViT-L/14 (KerasHub preset "dinov2_large"), 1024-d
  load_extractor("clip")                # CLIP-FID as clean-fid: CLIP ViT-B/32 ("clip_vit_base_patch32"), 512-d
  load_extractor("clip:clip_vit_large_patch14_336")   # CMMD's space: CLIP ViT-L/14 at 336 px, 768-d
  load_extractor("dinov2:/models/dinov2_large")       # offline: a preset folder (`backbone.save_to_preset(dir)`)

The part after "dinov2:" / "clip:" is anything `keras_hub.models.Backbone.from_preset` takes: a KerasHub preset
name, a local preset folder, or a "kaggle://" / "hf://" handle. A preset name downloads its weights once (Kaggle
Models, cached under ~/.keras); an offline machine uses a folder saved elsewhere with
`keras_hub.models.DINOV2Backbone.from_preset("dinov2_large").save_to_preset(DIR)` (or CLIPBackbone's).

- **DINOv2** (Oquab et al. 2023, "DINOv2: Learning Robust Visual Features without Supervision", arXiv:2304.07193)
  as FD_DINOv2 of Stein et al. 2023 ("Exposing flaws of generative model evaluation metrics and their unfair
  treatment of diffusion models", NeurIPS 2023, arXiv:2306.04675), following their dgm-eval code and NVlabs' edm2:
  images resized to 224 x 224 (bicubic, antialiased), ImageNet normalisation (mean 0.485, 0.456, 0.406; std
  0.229, 0.224, 0.225), the feature is the final-layer-norm CLS token.
- **CLIP** (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language Supervision",
  arXiv:2103.00020): images resized to the encoder's side (224, or 336 for ViT-L/14-336; bicubic, antialiased),
  CLIP's normalisation (mean 0.48145466, 0.4578275, 0.40821073; std 0.26862954, 0.26130258, 0.27577711), the
  feature is the projected image embedding (`CLIPBackbone.get_vision_embeddings`), not unit-normalised — clean-fid's
  CLIP-FID uses it as is, CMMD (`tfgan_mh.metrics.cmmd`) normalises it itself. clean-fid resizes uint8 images with
  PIL's bicubic and center-crops; here the float images are resized directly (square images need no crop).

Both give features only: `num_logits` is 0, and the Inception Score is recorded as absent in these spaces.
Images are float32 NHWC in [-1, 1] as everywhere in the eval job; 1-channel images are tiled to 3 channels.
KerasHub is the `features` extra (`pip install 'tfgan_mh[features]'`), imported only when such an extractor is
loaded.
"""

from typing import Tuple

import tensorflow as tf

from tfgan_mh.evaluation import extractor_base

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
DINOV2_SIDE = 224  # dgm-eval and edm2 feed DINOv2 ViT-L/14 224 x 224 images (16 x 16 patches)
DEFAULT_PRESETS = {"dinov2": "dinov2_large", "clip": "clip_vit_base_patch32"}


def _keras_hub(spec: str):
  try:
    import keras_hub  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    raise ValueError(f"extractor {spec!r} loads its backbone with KerasHub, which is not installed ({e}): "
                     "pip install 'tfgan_mh[features]'") from None
  return keras_hub


def preprocess(images: tf.Tensor, side: int, mean: Tuple[float, ...], std: Tuple[float, ...]) -> tf.Tensor:
  """[B, H, W, 1 or 3] in [-1, 1] -> [B, side, side, 3]: to [0, 1], bicubic antialiased resize, (x - mean) / std."""
  images = (tf.cast(images, tf.float32) + 1.0) / 2.0
  if images.shape[-1] == 1:
    images = tf.tile(images, [1, 1, 1, 3])
  if tuple(images.shape[1:3]) != (side, side):
    images = tf.image.resize(images, [side, side], method="bicubic", antialias=True)
  return (images - tf.constant(mean)) / tf.constant(std)


class _HubExtractor(extractor_base.FeatureExtractor):
  """A KerasHub image backbone as a features-only extractor; subclasses say how to load and embed."""

  num_logits = 0
  mean: Tuple[float, ...] = IMAGENET_MEAN
  std: Tuple[float, ...] = IMAGENET_STD

  def __init__(self, kind: str, preset: str, *, batch_size: int = 32):
    spec = f"{kind}:{preset}"
    self.name = spec
    self.preset = preset
    self.batch_size = int(batch_size)
    keras_hub = _keras_hub(spec)
    try:
      self.model = self._load(keras_hub, preset)
    except Exception as e:  # pylint: disable=broad-except
      raise ValueError(f"extractor {spec!r}: cannot load KerasHub preset {preset!r} "
                       f"({extractor_base.typed_first_line(e)}): {self._offline_hint(kind)}") from None
    side = self._side()
    self.image_shape = (side, side, 3)
    self.resize_method = (f"bicubic antialiased to {side} px (tf.image.resize), then (x - mean) / std with mean "
                          f"{self.mean}, std {self.std}")
    self.feature_dim = int(self._embed(tf.zeros([1, side, side, 3])).shape[-1])
    self._forward_fns = {}

  @staticmethod
  def _offline_hint(kind):
    cls = {"dinov2": "DINOV2Backbone", "clip": "CLIPBackbone"}[kind]
    return (f"a preset name needs network once; offline, run keras_hub.models.{cls}.from_preset(NAME)"
            f".save_to_preset(DIR) elsewhere and pass '{kind}:DIR'")

  def _load(self, keras_hub, preset):
    raise NotImplementedError

  def _side(self) -> int:
    raise NotImplementedError

  def _embed(self, images: tf.Tensor) -> tf.Tensor:
    raise NotImplementedError

  def _forward_graph(self, images, channels):
    images = tf.ensure_shape(images, [None, None, None, channels])
    features = tf.cast(self._embed(preprocess(images, self.image_shape[0], self.mean, self.std)), tf.float32)
    return tf.zeros([tf.shape(features)[0], 0], tf.float32), features


class DINOv2Extractor(_HubExtractor):
  """DINOv2's final-layer-norm CLS token at 224 px (FD_DINOv2)."""

  def _load(self, keras_hub, preset):
    return keras_hub.models.DINOV2Backbone.from_preset(preset, image_shape=(DINOV2_SIDE, DINOV2_SIDE, 3))

  def _side(self):
    return DINOV2_SIDE

  def _embed(self, images):
    return self.model({"images": images}, training=False)[:, 0]  # [B, 1 + registers + patches, D] -> the CLS token


class CLIPExtractor(_HubExtractor):
  """CLIP's projected image embedding at its encoder's side (CLIP-FID; CMMD with ViT-L/14-336)."""

  mean, std = CLIP_MEAN, CLIP_STD

  def _load(self, keras_hub, preset):
    return keras_hub.models.CLIPBackbone.from_preset(preset)

  def _side(self):
    return int(self.model.vision_encoder.image_shape[0])

  def _embed(self, images):
    return self.model.get_vision_embeddings(images)


def load(kind: str, preset: str) -> _HubExtractor:
  """The `kind` ("dinov2" or "clip") extractor of `preset` (its DEFAULT_PRESETS entry when empty)."""
  return {"dinov2": DINOv2Extractor, "clip": CLIPExtractor}[kind](kind, preset or DEFAULT_PRESETS[kind])
