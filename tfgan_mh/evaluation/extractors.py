r"""Feature extractors of the eval job: (logits, features) of images for IS, FID, AM Score, GAN-test.

  ext = load_extractor("inception")                          # TF-GAN's TF-Hub Inception (needs network)
  ext = load_extractor("inception:/models/tfgan_inception")  # the same SavedModel, unpacked locally
  ext = load_extractor("classifier:/models/mnist32")         # saved by `python -m tfgan_mh.cli.train_classifier`
  ext = load_extractor("dinov2")                             # FD_DINOv2's DINOv2 ViT-L/14 (KerasHub, `backbones`)
  ext = load_extractor("clip")                               # CLIP ViT-B/32 (clean-fid's CLIP-FID); "clip:PRESET"
  logits, features = ext(images)   # images float32 NHWC in [-1, 1], any size, 1 or 3 channels

Inception ("legacy TF" IS / FID, comparable to the papers' numbers). The model is TF-GAN's `INCEPTION_TFHUB`
module (tensorflow_gan/python/eval/inception_metrics.py): the frozen Inception graph of the OpenAI Inception Score
code, with 1008 logits ('logits') and the 2048-d final pool ('pool_3'), taking [B, 299, 299, 3] images in [-1, 1].
The resize to 299 px happens inside the graph, as in the TF-GAN SAGAN example that Kavalerov et al. 2019 (MHGAN)
builds on (self_attention_estimator/eval_lib.py): `tf.compat.v1.image.resize(..., BILINEAR)`, i.e. the legacy
bilinear kernel (align_corners=False, half_pixel_centers=False), which is not what TF2's `tf.image.resize`
computes. Outputs are flattened to [B, d] as TF-GAN's `classifier_fn_from_tfhub` does. Grayscale images are tiled
to 3 channels.

Offline machines: download `INCEPTION_TARBALL` elsewhere, unpack it into a folder
(`mkdir D && tar -xzf inception_1.tar.gz -C D`) and pass "inception:D". `tensorflow_hub` is optional
(the `hub` extra, `pip install 'tfgan_mh[hub]'`: it brings tf-keras, Keras 2, beside Keras 3); it is only
used to resolve the URL of the bare "inception" spec to its cached download. The SavedModel itself is always loaded
with `tf.saved_model.load` (TF1 Hub-format modules with the empty tag set, TF2 ones by their
`__call__` or their default / serving_default signature).

Classifier (the papers' dataset classifiers: AM Score of Zhou et al. 2018 (AM-GAN) §6.4 with a per-dataset
classifier, GAN-test of Sapkota et al. 2022 (AAM) §4.4, the MNIST "inception score" of Wang et al. 2017 (MAGAN)
§5): a SavedModel whose 'serving_default' signature maps images [B, H, W, C] float32 in [-1, 1] to
{'logits': [B, K], 'features': [B, d]} (penultimate layer), as `tfgan_mh.evaluation.classifier.export` writes it.
Inputs of another size are resized to (H, W) as the data pipeline resizes (area to shrink, bilinear to enlarge);
1-channel inputs are tiled for a 3-channel classifier.

Large batches are processed in chunks of `batch_size` examples (one traced call per chunk).
"""

import json
import os
from typing import Dict, Optional

import tensorflow as tf

from tfgan_mh.data import pipeline
from tfgan_mh.evaluation.extractor_base import FeatureExtractor, typed_first_line

INCEPTION_TFHUB = "https://tfhub.dev/tensorflow/tfgan/eval/inception/1"
INCEPTION_TARBALL = INCEPTION_TFHUB + "?tf-hub-format=compressed"
INCEPTION_IMAGE_SIZE = 299  # TF-GAN's INCEPTION_DEFAULT_IMAGE_SIZE
INCEPTION_OUTPUT = "logits"  # TF-GAN's INCEPTION_OUTPUT: [B, 1008]
INCEPTION_FINAL_POOL = "pool_3"  # TF-GAN's INCEPTION_FINAL_POOL: [B, 2048]
INCEPTION_NUM_LOGITS = 1008
INCEPTION_FEATURE_DIM = 2048
CLASSIFIER_OUTPUTS = ("logits", "features")
CLASSIFIER_SIGNATURE = "serving_default"
CLASSIFIER_INFO_FILE = "test_accuracy.json"  # written by train_classifier beside the SavedModel
SPECS = ("inception", "inception:/local/dir", "classifier:/path/to/savedmodel", "dinov2[:PRESET]", "clip[:PRESET]")

_OFFLINE_HINT = (f"offline, download {INCEPTION_TARBALL} on a machine with network, unpack it "
                 "(mkdir D && tar -xzf <file> -C D) and pass 'inception:D'")


def legacy_resize_bilinear(images: tf.Tensor, size: int) -> tf.Tensor:
  """`tf.compat.v1.image.resize(images, [size, size], BILINEAR)`: TF1's bilinear kernel.

  Source pixel of output pixel i is i * in / out (align_corners=False, half_pixel_centers=False), the
  resize TF-GAN's SAGAN example feeds its Inception with. Identity when the input is already size x size.

  Args:
    images: float32 [B, H, W, C].
    size: output side.

  Returns:
    float32 [B, size, size, C].
  """
  return tf.raw_ops.ResizeBilinear(images=images, size=tf.constant([size, size], tf.int32),
                                   align_corners=False, half_pixel_centers=False)


def inception_preprocess(images: tf.Tensor) -> tf.Tensor:
  """Images float32 NHWC in [-1, 1] (1 or 3 channels, any size) -> [B, 299, 299, 3] Inception inputs."""
  channels = images.shape[-1]
  if channels not in (1, 3):
    raise ValueError(f"images have shape {images.shape}: expected [B, H, W, C] with C = 1 or 3")
  images = legacy_resize_bilinear(tf.cast(images, tf.float32), INCEPTION_IMAGE_SIZE)
  images = tf.ensure_shape(images, [None, INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE, channels])
  if channels == 1:
    images = tf.tile(images, [1, 1, 1, 3])  # grayscale -> RGB (resized first: 3x less work)
  return images


def _check_saved_model_dir(path: str, spec: str) -> None:
  if not path:
    raise ValueError(f"extractor spec {spec!r} has an empty path: expected one of {', '.join(SPECS)}")
  if not tf.io.gfile.isdir(path):
    raise ValueError(f"extractor spec {spec!r}: {path!r} is not a directory: expected a SavedModel "
                     "folder (with saved_model.pb)")
  if not any(tf.io.gfile.exists(os.path.join(path, f)) for f in ("saved_model.pb", "saved_model.pbtxt")):
    raise ValueError(f"extractor spec {spec!r}: {path!r} has no saved_model.pb: expected a SavedModel "
                     "folder (for Inception, the unpacked TF-Hub tarball)")


def _load_saved_model(path: str, spec: str):
  # TF1 Hub-format modules (tfhub_module.pb beside saved_model.pb) keep their graph under the empty tag set.
  tags = [] if tf.io.gfile.exists(os.path.join(path, "tfhub_module.pb")) else None
  try:
    return tf.saved_model.load(path, tags=tags)
  except Exception as e:  # pylint: disable=broad-except
    raise ValueError(f"extractor spec {spec!r}: cannot load the SavedModel in {path!r} "
                     f"({typed_first_line(e)})") from None


def _signature_fn(loaded, names):
  """A one-input signature of `loaded` (the first of `names` it has) as images -> dict, or None."""
  signatures = getattr(loaded, "signatures", None) or {}
  for name in names:
    if name in signatures:
      fn = signatures[name]
      inputs = fn.structured_input_signature[1]
      if len(inputs) != 1 or fn.structured_input_signature[0]:
        continue
      (key, spec), = inputs.items()
      return (lambda images: fn(**{key: images})), spec
  return None


class InceptionExtractor(FeatureExtractor):
  """TF-GAN's Inception SavedModel: legacy-bilinear resize to 299 px in the graph, logits and pool_3."""

  resize_method = "TF1 legacy bilinear to 299 px in the graph (tf.compat.v1.image.resize, as TF-GAN)"

  def __init__(self, path: str, *, spec: str = "inception", batch_size: int = 64):
    """Args:
      path: local (or gs://) folder of the SavedModel (the unpacked TF-Hub module).
      spec: the spec it was loaded from, for messages.
      batch_size: images per chunk (299 x 299 activations: 64 keeps memory near 2 GB on a CPU).
    """
    _check_saved_model_dir(path, spec)
    self.name = "inception"
    self.path = path
    self.image_shape = (INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE, 3)
    self.batch_size = int(batch_size)
    self._loaded = _load_saved_model(path, spec)
    # TF-GAN calls the module object (`tfhub.load(handle)(images)`); TF1 Hub modules only have signatures.
    if callable(self._loaded):
      self._model = self._loaded
    else:
      found = _signature_fn(self._loaded, ("default", "serving_default"))
      if found is None:
        raise ValueError(f"extractor spec {spec!r}: the SavedModel in {path!r} is not callable and has no "
                         "one-input 'default' / 'serving_default' signature: expected TF-GAN's Inception "
                         f"module ({INCEPTION_TFHUB})")
      self._model = found[0]
    probe = self._run_model(tf.zeros([1, INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE, 3]), spec)
    self.num_logits = int(probe[INCEPTION_OUTPUT].shape[-1])
    self.feature_dim = int(probe[INCEPTION_FINAL_POOL].shape[-1])
    self._forward_fns = {}

  def _run_model(self, inputs: tf.Tensor, spec: str) -> Dict[str, tf.Tensor]:
    try:
      outputs = self._model(inputs)
    except Exception as e:  # pylint: disable=broad-except
      raise ValueError(f"extractor spec {spec!r}: the SavedModel in {self.path!r} fails on [1, 299, 299, 3] "
                       f"float32 images ({typed_first_line(e)}): expected TF-GAN's Inception module") from None
    if not isinstance(outputs, dict) or not {INCEPTION_OUTPUT, INCEPTION_FINAL_POOL} <= set(outputs):
      got = sorted(outputs) if isinstance(outputs, dict) else type(outputs).__name__
      raise ValueError(f"extractor spec {spec!r}: the SavedModel in {self.path!r} returns {got}: expected a "
                       f"dict with {INCEPTION_OUTPUT!r} and {INCEPTION_FINAL_POOL!r} (TF-GAN's Inception)")
    return {k: tf.reshape(outputs[k], [tf.shape(outputs[k])[0], -1])  # flatten, as TF-GAN does
            for k in (INCEPTION_OUTPUT, INCEPTION_FINAL_POOL)}

  def _forward_graph(self, images, channels):
    images = tf.ensure_shape(images, [None, None, None, channels])
    outputs = self._model(inception_preprocess(images))
    logits = tf.reshape(tf.cast(outputs[INCEPTION_OUTPUT], tf.float32), [-1, self.num_logits])
    pool = tf.reshape(tf.cast(outputs[INCEPTION_FINAL_POOL], tf.float32), [-1, self.feature_dim])
    return logits, pool  # [B, 1008], [B, 2048]


class ClassifierExtractor(FeatureExtractor):
  """A dataset classifier saved by `tfgan_mh.evaluation.classifier.export` (or any SavedModel whose
  'serving_default' signature maps images [B, H, W, C] to {'logits': [B, K], 'features': [B, d]})."""

  resize_method = "as the data pipeline: area to shrink, bilinear to enlarge (identity at the same size)"

  def __init__(self, path: str, *, spec: Optional[str] = None, batch_size: int = 500):
    """Args:
      path: the SavedModel folder.
      spec: the spec it was loaded from, for messages.
      batch_size: images per chunk.
    """
    spec = spec or f"classifier:{path}"
    _check_saved_model_dir(path, spec)
    self.name = f"classifier:{path}"
    self.path = path
    self.batch_size = int(batch_size)
    self._loaded = _load_saved_model(path, spec)
    found = _signature_fn(self._loaded, (CLASSIFIER_SIGNATURE,))
    outputs = None
    if found is not None:
      outputs = self._loaded.signatures[CLASSIFIER_SIGNATURE].structured_outputs
    if found is None or not isinstance(outputs, dict) or not set(CLASSIFIER_OUTPUTS) <= set(outputs):
      raise ValueError(f"extractor spec {spec!r}: the SavedModel in {path!r} has no one-input "
                       f"{CLASSIFIER_SIGNATURE!r} signature returning {' and '.join(CLASSIFIER_OUTPUTS)}: "
                       "expected a classifier saved by `python -m tfgan_mh.cli.train_classifier`")
    self._model, input_spec = found
    shape = input_spec.shape
    if (shape.rank != 4 or None in shape[1:] or shape[-1] not in (1, 3)
        or outputs["logits"].shape.rank != 2 or outputs["features"].shape.rank != 2):
      raise ValueError(f"extractor spec {spec!r}: the classifier in {path!r} maps {shape} to logits "
                       f"{outputs['logits'].shape} and features {outputs['features'].shape}: expected "
                       "[B, H, W, 1 or 3] images to [B, K] and [B, d]")
    self.image_shape = tuple(int(d) for d in shape[1:])
    self.num_logits = int(outputs["logits"].shape[-1])
    self.feature_dim = int(outputs["features"].shape[-1])
    self.info = {}
    info_path = os.path.join(path, CLASSIFIER_INFO_FILE)
    if tf.io.gfile.exists(info_path):
      with tf.io.gfile.GFile(info_path) as f:
        self.info = json.load(f)
    self._forward_fns = {}

  def _accepted_channels(self):
    return (1, 3) if self.image_shape[-1] == 3 else (1,)

  def _forward_graph(self, images, channels):
    h, w, c = self.image_shape
    images = tf.ensure_shape(images, [None, None, None, channels])
    images = pipeline.resize_images(images, (h, w))  # as the data pipeline resizes: area / bilinear
    if channels != c:
      images = tf.tile(images, [1, 1, 1, c])  # 1 -> 3 channels
    outputs = self._model(images)
    return tf.cast(outputs["logits"], tf.float32), tf.cast(outputs["features"], tf.float32)


def resolve_inception_url(url: str = INCEPTION_TFHUB) -> str:
  """The local folder of the TF-Hub module `url`, downloaded by `tensorflow_hub.resolve` (cached).

  Raises:
    ValueError: tensorflow_hub is not importable or the download fails (message says how to go offline).
  """
  try:
    import tensorflow_hub as hub  # pylint: disable=g-import-not-at-top
  except Exception as e:  # ImportError, or its import failing beside Keras 3 # pylint: disable=broad-except
    raise ValueError(f"extractor 'inception' resolves {url} with tensorflow_hub, which cannot be imported "
                     f"({typed_first_line(e)}): pip install 'tfgan_mh[hub]' (the optional tensorflow-hub), or "
                     f"{_OFFLINE_HINT}") from None
  try:
    return hub.resolve(url)
  except Exception as e:  # pylint: disable=broad-except
    raise ValueError(f"extractor 'inception' could not download {url} ({typed_first_line(e)}): "
                     f"{_OFFLINE_HINT}") from None


def load_extractor(spec: str) -> FeatureExtractor:
  """The feature extractor named by `spec`.

  Args:
    spec: "inception" (TF-GAN's TF-Hub Inception, `INCEPTION_TFHUB`; needs network and tensorflow_hub),
      "inception:/local/dir" (the same module unpacked from `INCEPTION_TARBALL`),
      "classifier:/path/to/savedmodel" (saved by `python -m tfgan_mh.cli.train_classifier`), or
      "dinov2[:PRESET]" / "clip[:PRESET]" (KerasHub backbones, `tfgan_mh.evaluation.backbones`: FD_DINOv2's
      DINOv2 ViT-L/14, clean-fid's CLIP ViT-B/32 by default; PRESET a KerasHub preset name or a local folder).

  Returns:
    A `FeatureExtractor`.

  Raises:
    ValueError: unknown spec, missing or unusable model (one line each).
  """
  if not isinstance(spec, str):
    raise ValueError(f"extractor spec {spec!r} is not a string: expected one of {', '.join(SPECS)}")
  kind, sep, path = spec.partition(":")
  if kind == "inception" and not sep:
    return InceptionExtractor(resolve_inception_url(), spec=spec)
  if kind == "inception":
    return InceptionExtractor(path, spec=spec)
  if kind == "classifier" and sep:
    return ClassifierExtractor(path, spec=spec)
  if kind in ("dinov2", "clip"):
    from tfgan_mh.evaluation import backbones  # pylint: disable=g-import-not-at-top
    return backbones.load(kind, path)
  raise ValueError(f"unknown extractor spec {spec!r}: expected one of {', '.join(SPECS)}")
