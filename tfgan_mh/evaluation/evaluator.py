"""The evaluator: samples a restored checkpoint (or takes images from anywhere) and streams them through the
registered metric groups (`registry`, `metric_groups/`) in one pass.

  ev = evaluator.Evaluator(config.EvalConfig(inception="inception", metrics="fid,kid"))
  record = ev.evaluate(restore.load_run(model_dir, "latest"))      # one checkpoint -> the metrics.jsonl record

Samples come from the EMA generator when the run has one (`use_ema`, recorded as "generator"), always in
inference mode; the same latents and labels for every checkpoint (`sample_inputs`: z ~ N(0, I), optionally
truncated, labels a seeded permutation of i mod K). Every batch goes once through G, the extractors the
selected groups use, and D where a group reads its outputs; then real validation data through D when a group
needs it. A group the run cannot have is recorded under "absent" with its reason; one that fails under
"errors" (the others are still written).
"""

import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh import cli
from tfgan_mh import metrics
from tfgan_mh.evaluation import config as config_lib
from tfgan_mh.evaluation import context as context_lib
from tfgan_mh.evaluation import protocol as protocol_lib
from tfgan_mh.evaluation import references
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import samples as samples_lib
from tfgan_mh.evaluation import streaming
from tfgan_mh.evaluation import translation as translation_lib
from tfgan_mh.models import standing_stats
from tfgan_mh.models import latents
from tfgan_mh.models.outputs import classifier_logits
from tfgan_mh.run import protocol as run_protocol
from tfgan_mh.run import restore


def resolve_extractor(spec, role: str):
  """An extractor from a spec (`tfgan_mh.evaluation.load_extractor`), an extractor object, or None."""
  if spec is None or (isinstance(spec, str) and spec in config_lib.NO_EXTRACTOR):
    return None
  if isinstance(spec, str):
    from tfgan_mh.evaluation import extractors  # pylint: disable=g-import-not-at-top
    return extractors.load_extractor(spec)
  missing = [a for a in ("name", "num_logits", "feature_dim") if not hasattr(spec, a)]
  if missing or not callable(spec):
    raise ValueError(f"{role} extractor {spec!r} lacks {', '.join(missing) or '__call__'}: expected a spec "
                     "string or an object with name, num_logits, feature_dim and __call__(images)")
  return spec


def projection_matrix_fn(discriminator, num_classes: int):
  """A function (x, y) -> (DiscOutput, [B, K] matrix D(x, k)) for a projection discriminator (Fig. 2b of
  Kavalerov et al. 2019, MHGAN).

  D(x, k) = psi(phi) + <E_k, phi>; with the true labels y, psi(phi) = D(x, y) - <E_y, phi>, so one pass gives
  every column (equal to `tfgan_mh.metrics.projection_logits`, which costs K passes). Falls back to the K
  passes when the head exposes no embedding table.
  """
  embed = getattr(getattr(discriminator, "head", None), "embed", None)

  if embed is None:
    def fallback(x, y):
      out = discriminator(x, y, training=False)
      matrix = metrics.projection_logits(lambda xx, yy: discriminator(xx, yy, training=False), x, num_classes)
      return out, matrix
    return fallback

  @tf.function(reduce_retracing=True, autograph=False)
  def fn(x, y):
    out = discriminator(x, y, training=False)
    table = embed.table(False)  # [K, F] E / sigma(E), inference mode
    phi = out.features  # [B, F]
    linear = out.adv_logits - tf.reduce_sum(tf.gather(table, y) * phi, axis=1)  # [B] psi(phi)
    return out, linear[:, None] + tf.matmul(phi, table, transpose_b=True)  # [B, K]
  return fn


def sample_inputs(num_samples: int, batch_size: int, z_dim: int, num_classes: int, seed: int,
                  truncation: Optional[float] = None) -> Iterator[Tuple[np.ndarray, np.ndarray, int]]:
  """The generator inputs of an evaluation: (z [bs, z_dim] float32, labels [bs] int32, b) per batch.

  z ~ N(0, I) from `seed` (with `truncation`: entries beyond it resampled from the same generator,
  `latents.truncate_numpy`); labels are a permutation (seed + 1) of i mod K over all samples, so classes are
  balanced. Every batch is full (static shapes); only its first b rows count (b < bs in the last one).
  """
  rng_z = np.random.default_rng(seed)
  labels = np.random.default_rng(seed + 1).permutation(np.arange(num_samples) % num_classes).astype(np.int32)
  for begin in range(0, num_samples, batch_size):
    b = min(batch_size, num_samples - begin)
    z = latents.truncate_numpy(rng_z.standard_normal((batch_size, z_dim), dtype=np.float32), truncation,
                               rng_z)  # [bs, z_dim]
    y = np.zeros([batch_size], np.int32)
    y[:b] = labels[begin:begin + b]
    yield z, y, b


def _np(t):
  return None if t is None else np.asarray(t)


class Evaluator:
  """Evaluates restored runs (`restore.Run`) with one `EvalConfig`; keeps extractors and real references.

  Args:
    config: EvalConfig (validated here).
    source: the real data's `DataSource`; default `tfgan_mh.data.build_source()` from the run's gin config,
      built at the first evaluation.
  """

  def __init__(self, config=None, *, source=None):
    self.config = (config or config_lib.EvalConfig()).validate()
    self.real = references.RealData(self.config, lambda: source if source is not None else _run_source())
    self._extractors = {}
    self._warned = set()

  def _warn_once(self, key, message):
    if key not in self._warned:
      self._warned.add(key)
      logging.warning("%s", message)

  @property
  def source(self):
    return self.real.source

  def extractor(self, role: str):
    """The "inception" or "classifier" extractor of the config, loaded once (None if not configured)."""
    if role not in self._extractors:
      ext = resolve_extractor(getattr(self.config, role), role)
      if ext is not None:
        logging.info("%s extractor: %s (%d logits, %d-d features)", role, ext.name, ext.num_logits,
                     ext.feature_dim)
      self._extractors[role] = ext
    return self._extractors[role]

  def extractor_roles(self, image_shape) -> Tuple[str, ...]:
    """The extractors the selected groups use on samples of `image_shape` (none for 2-D points)."""
    if len(tuple(image_shape)) != 3:
      return ()
    groups = registry.groups()
    roles = {r for name in self.config.metrics for r in groups[name].extractor_roles(self.config)}
    return tuple(r for r in ("inception", "classifier") if r in roles)

  def prepare(self, run_info: Dict[str, Any]) -> None:
    """Loads the extractors a run needs, so that a bad spec fails before any checkpoint is evaluated."""
    for role in self.extractor_roles(run_info["image_shape"]):
      self.extractor(role)

  def context(self, *, num_classes: int, image_shape, conditional: bool, timer, discriminator=None,
              checkpoint=None, is_splits: int, protocol: Dict[str, Any], **kwargs) -> context_lib.Context:
    """The `Context` of one evaluation; loads the extractors it uses and finds the validation split."""
    cfg = self.config
    extractors = {role: self.extractor(role) for role in self.extractor_roles(image_shape)}
    for role in ("inception", "classifier"):
      protocol[role] = protocol_lib.extractor_protocol(extractors.get(role))
    classifier = extractors.get("classifier")
    if classifier is not None and classifier.num_logits != num_classes:
      self._warn_once("classifier_k", f"the classifier {classifier.name} has {classifier.num_logits} logits but "
                      f"the samples have {num_classes} classes: AM Score, GAN-test and confidence are left out")
    groups = registry.groups()
    keep = cfg.max_kept_features if any(groups[n].real_features for n in cfg.metrics) else 0
    split = self.real.validation_split() if discriminator is not None else None
    return context_lib.Context(
        config=cfg, real=self.real, timer=timer, num_classes=num_classes, image_shape=image_shape,
        conditional=conditional, heads=getattr(discriminator, "heads", ()) if discriminator is not None else (),
        has_discriminator=discriminator is not None, checkpoint=checkpoint, extractors=extractors,
        is_splits=is_splits, protocol=protocol, validation_split=split, keep_features=keep, **kwargs)

  def build_metrics(self, ctx) -> Tuple[List[Tuple[str, streaming.StreamingMetric]], Dict[str, str]]:
    """(active (group, metric) pairs with the shared feature pools first, absent group -> reason)."""
    active, absent = [], {}
    groups = registry.groups()
    for name in self.config.metrics:
      try:
        built = groups[name].build(ctx)
      except registry.Absent as e:
        absent[name] = str(e)
        continue
      for m in (built if isinstance(built, (list, tuple)) else [built]):
        active.append((name, m))
    return [(f"{role}_pool", pool) for role, pool in ctx.pools.items()] + active, absent

  def stream_fake(self, ctx, active, batches, discriminate=None) -> None:
    """Feeds (x, y, b) batches (x a tensor or array [bs, ...], the first b rows count) to the active metrics."""
    needs = {n for _, m in active for n in m.needs}
    timer = ctx.timer
    for x, y, b in batches:
      x_np = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
      batch = streaming.FakeBatch(images=x_np[:b], labels=None if y is None else y[:b])
      for role in ("inception", "classifier"):
        if role in needs:
          with timer.stage(role):
            setattr(batch, role, tuple(t.numpy() for t in getattr(ctx, role)(x_np[:b])))
      if discriminate is not None and "disc_fake" in needs:
        with timer.stage("discriminator"):
          out = discriminate(x, None if y is None else tf.constant(y))
          batch.class_logits = _np(classifier_logits(out))
          batch.adv_logits, batch.energy = _np(out.adv_logits), _np(out.energy)
        for field in ("class_logits", "adv_logits", "energy"):
          if getattr(batch, field) is not None:
            setattr(batch, field, getattr(batch, field)[:b])
      with timer.stage("metric_math"):
        for _, m in active:
          m.update_fake(batch)

  def stream_validation(self, ctx, active, discriminator, discriminate) -> int:
    """Real validation data through D into the active metrics that read it; returns the examples seen."""
    needs = {n for _, m in active for n in m.needs}
    if not needs & {"disc_real", "real_images"} or ctx.validation_split is None:
      return 0
    proj = projection_matrix_fn(discriminator, ctx.num_classes) if "projection" in needs else None
    seen = 0
    for x, y in self.real.batches(ctx.validation_split, self.config.num_validation):
      with ctx.timer.stage("discriminator"):
        if proj is not None:
          out, matrix = proj(tf.constant(x), tf.constant(y))
        else:
          out, matrix = discriminate(tf.constant(x), tf.constant(y)), None
        rb = streaming.RealBatch(images=x, labels=y, class_logits=_np(classifier_logits(out)),
                                 adv_logits=_np(out.adv_logits), projection=_np(matrix), energy=_np(out.energy))
      seen += len(y)
      with ctx.timer.stage("metric_math"):
        for _, m in active:
          m.update_real(rb)
    ctx.protocol["validation_reference"] = {"split": ctx.validation_split, "size": seen}
    return seen

  def results(self, ctx, active, step=None) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """(values, errors): every active metric's result; one that fails is recorded, the others kept."""
    values, errors = {}, {}
    with ctx.timer.stage("metric_math"):
      for group, m in active:
        try:
          values.update(m.result())
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as e:
          errors[group] = cli.first_line(e)
          logging.warning("step %s: metric %s failed: %s", step, group, errors[group])
    return values, errors

  # --- one checkpoint ------------------------------------------------------------------------------

  def apply_standing_stats(self, run: restore.Run) -> Optional[Dict[str, Any]]:
    """Standing statistics (BigGAN §3) in the generator `evaluate` samples from, as configured; None when off.

    Changes only the batch-norm moving statistics of `run`'s restored generator (not the checkpoint).
    """
    cfg = self.config
    if not cfg.standing_stats_batches:
      return None
    return standing_stats.accumulate_standing_stats(
        run.sampler(cfg.use_ema), num_batches=cfg.standing_stats_batches,
        batch_size=cfg.standing_stats_batch_size, seed=cfg.seed, truncation=cfg.truncation)

  def evaluate(self, run: restore.Run) -> Dict[str, Any]:
    """Every selected metric the run supports, for one restored checkpoint.

    Returns:
      The metrics.jsonl record: step, checkpoint, generator ("ema_generator" | "generator"), the metric
      values, "absent" (group -> why it does not apply), "errors" (group -> message of a metric that
      failed), "protocol", "timing" (seconds per stage). Keys starting with "_" hold arrays for TensorBoard.
    """
    cfg = self.config
    timer = references.Timer()
    start = time.perf_counter()
    if not self.real.built:
      with timer.stage("data_source"):  # once per job: the run's dataset (MNIST: reads and resizes 60k images)
        _ = self.source
    g = run.sampler(cfg.use_ema)
    which = "ema_generator" if (g is run.ema_generator and g is not None) else "generator"
    split_protocol = run_protocol.run_is_splits(run.info, cfg.num_splits)
    protocol = protocol_lib.base_protocol(cfg, split_protocol, run=run)
    ctx = self.context(num_classes=run.num_classes, image_shape=run.info["image_shape"],
                       conditional=run.conditional, timer=timer, discriminator=run.discriminator,
                       checkpoint=run.checkpoint, is_splits=split_protocol["is_splits"], protocol=protocol)
    active, absent = self.build_metrics(ctx)

    standing = None
    if cfg.standing_stats_batches:
      with timer.stage("standing_stats"):
        standing = self.apply_standing_stats(run)
      protocol["generator_mode"] = f"inference ({standing_stats.describe(standing)})"
    self._warn_once(("generator", which), f"evaluating samples of the {which}"
                    + (" (the run has an EMA generator)" if run.ema_generator is not None else
                       " (the run has no EMA generator)"))
    disc = run.discriminator
    discriminate = None if disc is None else tf.function(lambda x, y: disc(x, y, training=False),
                                                         reduce_retracing=True, autograph=False)
    cycle = {}
    self.stream_fake(ctx, active, self._fakes(run, g, timer, protocol, cycle), discriminate)
    num_validation = self.stream_validation(ctx, active, disc, discriminate)
    values, errors = self.results(ctx, active, run.step)
    if cycle.get("count"):
      values["translation_cycle_l1"] = cycle["sum"] / cycle["count"]
    timer.seconds["total"] = time.perf_counter() - start
    protocol["generator"] = which
    record = dict(step=run.step, checkpoint=run.checkpoint, generator=which, num_samples=cfg.num_samples,
                  truncation=cfg.truncation, standing_stats=standing,
                  inception=getattr(ctx.inception, "name", None), classifier=getattr(ctx.classifier, "name", None),
                  validation_split=ctx.validation_split, num_validation=num_validation, absent=absent,
                  errors=errors, protocol=protocol, timing=timer.rounded())
    record.update(values)
    return record

  def _fakes(self, run: restore.Run, g, timer, protocol: Dict[str, Any], cycle: Dict[str, Any]):
    """The generator's batches (x, labels or None, size) for the metrics: samples from `sample_inputs`, or for a
    G(x, c) the translations of real images (`translation` module docstring; its protocol and `cycle` sums
    recorded in the dicts given)."""
    cfg = self.config
    generate = tf.function(lambda z, y: g(z, y, training=False), reduce_retracing=True, autograph=False)
    if run.info.get("generator_takes_images"):
      split = translation_lib.source_split(self.real)
      protocol["translation"] = {"sources": split, "targets": "balanced permutation of i mod K (seed + 1)"}
      return translation_lib.batches(self.real, split, generate, num_samples=cfg.num_samples,
                                     batch_size=cfg.batch_size, num_classes=run.num_classes, seed=cfg.seed,
                                     timer=timer, cycle=cycle)

    def batches():
      for z, y, b in sample_inputs(cfg.num_samples, cfg.batch_size, g.z_dim, run.num_classes, cfg.seed,
                                   cfg.truncation):
        with timer.stage("generator"):
          x = generate(tf.constant(z), tf.constant(y) if run.conditional else None)
        yield x, (y if run.conditional else None), b

    return batches()

  # --- images from anywhere -----------------------------------------------------------------------

  def evaluate_samples(self, samples, reference: str) -> Dict[str, Any]:
    """Every selected metric that applies to a `samples.SampleSet` (no generator, no discriminator), against
    the real data of this evaluator's source (`reference` names it in the record).

    Raises:
      ValueError: labels outside the reference's classes, or images of another channel count than the
        reference's (one line).
    """
    cfg = self.config
    timer = references.Timer()
    start = time.perf_counter()
    with timer.stage("data_source"):
      k = self.source.num_classes
    _check_channels(samples, self.source.image_shape, reference)
    if samples.labels is not None and samples.num and int(samples.labels.max()) >= k:
      raise ValueError(f"--samples={samples.path!r} has class {int(samples.labels.max())} but the reference "
                       f"{reference!r} has {k} classes (0-{k - 1})")
    split_protocol = run_protocol.run_is_splits({}, cfg.num_splits)
    protocol = protocol_lib.base_protocol(cfg, split_protocol)
    samples, folder_rule = samples_lib.match_class_folders(samples, self.source.class_names)
    protocol.update(samples={"path": samples.path, "num": samples.num, "image_shape": list(samples.image_shape),
                             "labels": "none" if samples.labels is None else "class subfolders / npz labels",
                             "class_folders": samples.class_folders, "class_folders_rule": folder_rule},
                    reference={"source": reference, "name": self.source.name, "num_classes": k})
    ctx = self.context(num_classes=k, image_shape=samples.image_shape, conditional=samples.labels is not None,
                       timer=timer, is_splits=split_protocol["is_splits"], protocol=protocol,
                       no_discriminator="samples from elsewhere have no discriminator")
    active, absent = self.build_metrics(ctx)
    self.stream_fake(ctx, active, samples.batches(cfg.batch_size))
    values, errors = self.results(ctx, active)
    timer.seconds["total"] = time.perf_counter() - start
    record = dict(samples=samples.path, reference=reference, num_samples=samples.num,
                  inception=getattr(ctx.inception, "name", None), classifier=getattr(ctx.classifier, "name", None),
                  absent=absent, errors=errors, protocol=protocol, warnings=_few_samples(samples.num, ctx),
                  timing=timer.rounded(), wall_time=time.time())
    record.update(values)
    return record


def _check_channels(samples, reference_shape, reference: str) -> None:
  """ValueError (one line) when samples and reference images differ in channels: the extractors take both (a
  gray image is tiled to RGB), so FID / KID would measure the colour, not the images. Sides may differ: the
  extractors resize both to their input."""
  names = {1: "grayscale", 3: "RGB"}
  have, want = tuple(samples.image_shape), tuple(reference_shape)
  if len(have) == 3 and len(want) == 3 and have[-1] != want[-1]:
    raise ValueError(f"--samples={samples.path!r} are {names.get(have[-1], f'{have[-1]}-channel')} images "
                     f"{'x'.join(map(str, have))} and the reference {reference!r} is "
                     f"{names.get(want[-1], f'{want[-1]}-channel')} {'x'.join(map(str, want))}: expected samples "
                     f"with the reference's {want[-1]} channel(s) (convert the samples, or pass the matching "
                     "--reference)")


def _few_samples(num: int, ctx) -> List[str]:
  """Warnings (logged, and kept in the record) when fewer samples than an extractor's feature dimension are
  scored: FID's sample covariance is then singular and KID / PR / DC rest on a handful of points."""
  warnings = []
  for role in ("inception", "classifier"):
    extractor = getattr(ctx, role, None)
    dim = getattr(extractor, "feature_dim", None)
    if dim and num < dim:
      warnings.append(f"{num} samples are fewer than the {dim}-d features of the {role} extractor: FID's "
                      "covariance is singular and KID, precision / recall, density / coverage are unreliable "
                      f"(use >= {dim}; 10000+ for comparable numbers)")
      logging.warning("%s", warnings[-1])
  return warnings


def _run_source():
  from tfgan_mh import data  # pylint: disable=g-import-not-at-top
  return data.build_source()  # the run's data: load_run left its gin config parsed


def evaluate_checkpoint(run: restore.Run, config=None, **kwargs) -> Dict[str, Any]:
  """Evaluates one restored checkpoint (`restore.load_run(model_dir, which)`); see `Evaluator.evaluate`."""
  return Evaluator(config, **kwargs).evaluate(run)
