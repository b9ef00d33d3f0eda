r"""SavedModel export of a trained generator, loadable with TensorFlow alone (no tfgan_mh needed).

  from tfgan_mh.run import export
  from tfgan_mh.run import restore
  export.export_generator(restore.load_run(model_dir, "best"), "/tmp/g_best")   # the EMA G when there is one

or from the shell: `tfgan-export --model_dir=D [--checkpoint=best|latest|STEP] --out=DIR`
[--truncation=0.5] [--standing_stats_batches=16 [--standing_stats_batch_size=256] [--seed=0]].

The eval job exports the best checkpoint's generator to MODEL_DIR/eval/best with the same function.

Reading an export (anywhere TensorFlow is installed):

  g = tf.saved_model.load(path)
  out = g.signatures["serving_default"](z=tf.random.normal([8, int(g.z_dim)]), labels=tf.range(8) % 10)
  images = out["images"]                       # uint8 [8, H, W, C]
  int(g.num_classes), g.image_shape.numpy(), bool(g.conditional), int(g.step)

Signature `serving_default(z: float32 [None, z_dim], labels: int32 [None])`:
  image data (image_shape [H, W, C]) -> {'images': uint8 [None, H, W, C]}: round((x + 1) * 127.5), clipped
    to [0, 255] — the quantisation of `tfgan_mh.plots.to_uint8`, the pixels of the pictures of samples.
  point data (the 2-D ring of Kavalerov et al. 2020 (K+1 GANs), image_shape [D]) ->
    {'samples': float32 [None, D]}: raw generator outputs, there is no image to quantise (`kind` says which of the
    two an export holds).
  Labels must lie in [0, num_classes) and match z's batch size (checked in the graph; an
  InvalidArgumentError names the problem). An unconditional generator (MAGAN, dynamic labels) ignores them.
The same computation is the object's `generate(z, labels)` function.

A translation generator (G(x, c), Sapkota et al. 2022 (AAM); kind 'translation', z_dim 0) has one signature
instead, `serving_default(images: uint8 [None, H, W, C], labels: int32 [None])` -> {'images': uint8
[None, H, W, C]}: each image translated to the target domain of its label (input mapped to [-1, 1] as the data
pipeline does, x / 127.5 - 1; labels checked as above, and the images' sides: another size is an
InvalidArgumentError naming the expected shape), and no `sample` signature (there are no latents).

Signature `sample(labels: int32 [None], seed: int64 [])`: the same outputs for latents drawn inside the
graph (stateless, so a seed gives the same images): z ~ N(0, I), or with `truncation` (BigGAN §3.1,
`tfgan_mh.models.latents.truncated_normal`) every |z_i| > truncation resampled.

Attributes of the loaded object (non-trainable variables, `.numpy()` to read): z_dim, num_classes,
image_shape (int32 vector), conditional (bool), step (int64, the checkpoint's), ema (bool: the EMA
generator was exported), kind ('images' | 'points'), truncation (float32, 0: none), metadata (JSON string:
model_dir, checkpoint, the run's run_info.json, truncation, and standing_stats: null, or the record of the
standing statistics (BigGAN §3, `tfgan_mh.models.standing_stats`) the generator's batch norms were given
before the export — the CLI's --standing_stats_batches; the run's checkpoint keeps its own statistics).

Writing is atomic per directory: the SavedModel goes to a sibling temporary directory which is renamed
into place, so a reader (or a crash half-way) never sees a half-written export, and an existing export is
replaced only once the new one is complete. (On gs:// a directory rename copies object by object: not
atomic, but the old export stays until the new one is fully written.)
"""

import json
import os
import uuid
from typing import Optional

import tensorflow as tf

from tfgan_mh.models import latents
from tfgan_mh.run import outputs

SIGNATURE = "serving_default"
SAMPLE_SIGNATURE = "sample"  # latents drawn in the graph (with the export's truncation)
MARKER = "tfgan_mh_export.json"  # written into every export: what `overwrite` may replace
IMAGES = "images"    # output key for image data (uint8)
SAMPLES = "samples"  # output key for point data (float32)
TRANSLATION = "translation"  # kind of a translation generator's export (G(x, c), AAM)


def _run_fn(generator, image_shape, translation: bool):
  """The serving computation G(z or images, labels) -> outputs dict, labels and batch sizes checked in the graph."""
  image_data = len(image_shape) == 3
  conditional = bool(generator.conditional)
  k = int(generator.num_classes)

  def run(z, labels):
    checks = [tf.debugging.assert_equal(tf.shape(z)[0], tf.shape(labels)[0],
                                        message=f"{'images' if translation else 'z'} and labels must have "
                                        "the same batch size")]
    if conditional:
      checks += [tf.debugging.assert_non_negative(labels, message="labels must be >= 0"),
                 tf.debugging.assert_less(labels, k, message=f"labels must be < num_classes={k}")]
    with tf.control_dependencies(checks):
      z = tf.identity(z)
    x = tf.cast(generator(z, labels if conditional else None, training=False), tf.float32)  # [B, *shape]
    if not image_data:
      return {SAMPLES: x}
    # tfgan_mh.plots.to_uint8: round((x + 1) * 127.5) (half to even) clipped to [0, 255].
    return {IMAGES: tf.cast(tf.clip_by_value(tf.round((x + 1.0) * 127.5), 0.0, 255.0), tf.uint8)}

  return run


def _translate_fn(run, image_shape):
  """A translation generator's serving function: uint8 images -> [-1, 1] as the data pipeline, G(x, c) -> uint8."""

  @tf.function(input_signature=[tf.TensorSpec([None, *image_shape], tf.uint8, name="images"),
                                tf.TensorSpec([None], tf.int32, name="labels")])
  def translate(images, labels):
    # A signature call does not check the spec's static sides: without this, another size fails inside G.
    side = tf.debugging.assert_equal(
        tf.shape(images)[1:], tf.constant(list(image_shape), tf.int32),
        message=f"images must have shape [N, {', '.join(map(str, image_shape))}] (the run's image_shape): "
                "resize or pad them first")
    with tf.control_dependencies([side]):
      images = tf.identity(images)
    return run(tf.cast(images, tf.float32) / 127.5 - 1.0, labels)

  return translate


def _generate_and_sample_fns(run, z_dim: int, truncation: Optional[float]):
  """The `serving_default(z, labels)` function, and `sample(labels, seed)`: latents drawn in the graph."""

  @tf.function(input_signature=[tf.TensorSpec([None, z_dim], tf.float32, name="z"),
                                tf.TensorSpec([None], tf.int32, name="labels")])
  def generate(z, labels):
    return run(z, labels)

  @tf.function(input_signature=[tf.TensorSpec([None], tf.int32, name="labels"),
                                tf.TensorSpec([], tf.int64, name="seed")])
  def sample(labels, seed):
    z = latents.truncated_normal(tf.stack([tf.shape(labels)[0], z_dim]), truncation,
                                 tf.stack([seed, tf.constant(0, tf.int64)]))  # [B, z_dim]
    return generate(z, labels)

  return generate, sample


class _GeneratorModule(tf.Module):
  """What is saved: the generator's variables, its description, and the serving function."""

  def __init__(self, generator, *, step: int, ema: bool, metadata: dict, truncation: Optional[float] = None):
    super().__init__(name="tfgan_mh_generator")
    image_shape = tuple(int(d) for d in generator.image_shape)
    translation = bool(getattr(generator, "takes_images", False))
    const = lambda value, dtype: tf.Variable(value, dtype=dtype, trainable=False)
    self.z_dim = const(int(generator.z_dim), tf.int32)
    self.num_classes = const(int(generator.num_classes), tf.int32)
    self.image_shape = const(list(image_shape), tf.int32)
    self.conditional = const(bool(generator.conditional), tf.bool)
    self.step = const(int(step), tf.int64)
    self.ema = const(bool(ema), tf.bool)
    self.kind = const(TRANSLATION if translation else (IMAGES if len(image_shape) == 3 else "points"), tf.string)
    self.truncation = const(truncation or 0.0, tf.float32)
    self.metadata = const(json.dumps(metadata, sort_keys=True), tf.string)
    # The generator's variables, not the Keras model: saving a subclassed Keras 3 model as an object also
    # traces its default `serving_default(inputs)`, which calls G without labels (an error when conditional).
    # The functions below reach G through their closures only.
    self.generator_variables = list(generator.variables)
    run = _run_fn(generator, image_shape, translation)
    if translation:
      self.generate, self.sample = _translate_fn(run, image_shape), None
    else:
      self.generate, self.sample = _generate_and_sample_fns(run, int(generator.z_dim), truncation)


def export_generator(run_or_generator, path: str, *, use_ema: bool = True, overwrite: bool = True,
                     step: Optional[int] = None, truncation: Optional[float] = None,
                     standing_stats: Optional[dict] = None) -> str:
  """Writes a generator as a SavedModel (see the module docstring for the signature and attributes).

  Args:
    run_or_generator: a `tfgan_mh.run.restore.Run` (its EMA generator when it has one and `use_ema`,
      else its generator; step and metadata come from the run) or a built `tfgan_mh.models` generator
      (attributes z_dim, num_classes, conditional, image_shape; variables must exist).
    path: the export directory (local or gs://); its parent is created.
    use_ema: for a Run: export the EMA generator when the run has one.
    overwrite: replace an existing export at `path` (after the new one is complete); if False an existing
      `path` is a ValueError. Only an earlier export (its `MARKER` file) is ever replaced: never the run
      directory, a folder above it, or a folder holding a run (`outputs.check_replaceable`).
    step: the training step recorded in the export (default: the Run's, else 0).
    truncation: threshold of the `sample` signature's latents (BigGAN §3.1); None / 0: N(0, I).
    standing_stats: the record `tfgan_mh.models.standing_stats.accumulate_standing_stats` returned when it was
      applied to this generator (it is not applied here), kept in the metadata; None: not applied.

  Returns:
    `path`.

  Raises:
    ValueError: not a run or generator, a generator without variables, `path` exists (overwrite=False) or
      is a file, or cannot be written; a negative truncation.
  """
  truncation = latents.check_truncation(truncation)
  if not path:
    raise ValueError("export path is empty: expected a directory to write the SavedModel to")
  path = str(path).rstrip("/")
  metadata = {}
  ema = False
  if hasattr(run_or_generator, "sampler") and hasattr(run_or_generator, "info"):
    run = run_or_generator
    generator = run.sampler(use_ema)
    ema = generator is run.ema_generator and run.ema_generator is not None
    step = run.step if step is None else step
    metadata = dict(model_dir=run.model_dir, checkpoint=run.checkpoint, run_info=run.info)
  else:
    generator = run_or_generator
  missing = [a for a in ("z_dim", "num_classes", "conditional", "image_shape") if not hasattr(generator, a)]
  if missing or not callable(generator):
    raise ValueError(f"cannot export {type(generator).__name__}: expected a restore.Run or a tfgan_mh "
                     f"generator (missing {', '.join(missing) or '__call__'})")
  if not generator.variables:
    raise ValueError(f"generator {generator.name!r} has no variables yet: call it once (or restore a run) "
                     "before exporting")
  if len(generator.image_shape) not in (1, 3):
    raise ValueError(f"generator image_shape {tuple(generator.image_shape)} is neither [H, W, C] images nor "
                     "[D] points")
  if getattr(generator, "takes_images", False) and truncation:
    raise ValueError(f"truncation={truncation}: a translation generator has no latents to truncate")
  metadata.update(use_ema=bool(ema), truncation=truncation, standing_stats=standing_stats)
  check_target(path, overwrite, metadata.get("model_dir"))

  module = _GeneratorModule(generator, step=int(step or 0), ema=ema, metadata=metadata, truncation=truncation)
  parent = os.path.dirname(path) or "."
  tf.io.gfile.makedirs(parent)
  tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
  tmp = f"{path}.tmp-{tag}"
  try:
    signatures = {SIGNATURE: module.generate}
    if module.sample is not None:
      signatures[SAMPLE_SIGNATURE] = module.sample
    tf.saved_model.save(module, tmp, signatures=signatures)
    with tf.io.gfile.GFile(f"{tmp}/{MARKER}", "w") as f:
      f.write(json.dumps(dict(step=int(step or 0), **metadata), sort_keys=True, default=str) + "\n")
  except Exception:
    _remove(tmp)
    raise
  old = None
  if tf.io.gfile.exists(path):
    old = f"{path}.old-{tag}"
    tf.io.gfile.rename(path, old)
  try:
    tf.io.gfile.rename(tmp, path)
  except Exception:
    if old is not None:  # put the previous export back
      tf.io.gfile.rename(old, path)
    _remove(tmp)
    raise
  if old is not None:
    _remove(old)
  return path


def check_target(path: str, overwrite: bool, model_dir: Optional[str] = None) -> None:
  """ValueError (one line) unless an export may be written at `path` (never over the run `model_dir`)."""
  if tf.io.gfile.exists(path):
    if not tf.io.gfile.isdir(path):
      raise ValueError(f"export path {path!r} is a file: expected a directory (new, or an export to replace)")
    if tf.io.gfile.listdir(path):
      if not overwrite:
        raise ValueError(f"export path {path!r} exists and overwrite is False: choose a new directory or "
                         "allow overwriting")
      outputs.check_replaceable(path, marker=MARKER, what="export", flag="export path",
                                protected=[model_dir] if model_dir else [])
  if "://" in path:
    return
  reason = outputs.unwritable_reason(path)
  if reason:
    raise ValueError(f"export path {path!r} cannot be written: {reason}")


def _remove(path: str) -> None:
  try:
    if tf.io.gfile.exists(path):
      tf.io.gfile.rmtree(path)
  except tf.errors.OpError:
    pass
