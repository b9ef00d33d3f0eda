"""The train loop: data, models, loss family and optimizers from gin; checkpoints, summaries, pictures.

`train(model_dir, strategy)` is the importable body of `python -m tfgan_mh.train`; everything it builds is
configured by gin (`gin/base/*.gin`, `gin/experiments/*.gin`). Outputs in `model_dir`:
  ckpt-N.*            tf.train.CheckpointManager checkpoints (step, G, D, optimizers, EMA G, loss state)
  operative_config.gin  the gin configuration actually used, written once training has started
  run_info.json       image shape, classes, ... decided by the data (`tfgan_mh.run.restore`)
  samples/step_N.png  a picture of samples per class (rows = classes; real | generated scatter plots for 2-D
                      data), drawn by `tfgan_mh.plots`
  events.*            TensorBoard: every measurement and the sample picture
  TRAIN_DONE          written when the last step is done (the eval job's stop signal)
  train.lock          held while the trainer runs: one trainer per model_dir (`tfgan_mh.run.run_dir`)
  bad/                checkpoints found unreadable on resume, moved aside (`run_dir.resume_checkpoint`)
"""

import contextlib
import dataclasses
import functools
import math
import time
from typing import Sequence

import gin
import keras
import tensorflow as tf
from absl import logging

from tfgan_mh import cli
from tfgan_mh import cpu as cpu_lib
from tfgan_mh import data as data_lib
from tfgan_mh import losses as losses_lib
from tfgan_mh import models as models_lib
from tfgan_mh import plots
from tfgan_mh.training import ada as ada_lib
from tfgan_mh.training import augmentation as augmentation_lib
from tfgan_mh.training import cadence as cadence_lib
from tfgan_mh.training import cluster
from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import labels as labels_lib
from tfgan_mh.training import lecam as lecam_lib
from tfgan_mh.training import memory
from tfgan_mh.training import optim
from tfgan_mh.training import penalties
from tfgan_mh.training import pictures as pictures_lib
from tfgan_mh.training import preemption
from tfgan_mh.training import settings as settings_lib
from tfgan_mh.training import precision as precision_lib
from tfgan_mh.run import restore as restore_lib
from tfgan_mh.run import protocol as protocol_lib
from tfgan_mh.run import run_dir
from tfgan_mh.run.names import OPERATIVE_CONFIG, TRAIN_DONE
from tfgan_mh.training.step import GANTrainer

picture_class_ids = pictures_lib.picture_class_ids


class NonFiniteLossError(FloatingPointError):
  """A loss or gradient became NaN/Inf; the last good checkpoint is left intact."""


def _from_gin(cls):
  return dataclasses.field(default_factory=cls)


@dataclasses.dataclass(frozen=True)
class RunSettings:
  """Every setting of a run, each part a gin-configurable frozen dataclass owned (and checked, when made) by the
  module that uses it; `RunSettings(train=...)` takes the other parts from gin."""

  train: settings_lib.TrainSettings = _from_gin(settings_lib.TrainSettings)  # train.*
  cadence: cadence_lib.Cadence = _from_gin(cadence_lib.Cadence)  # cadence.*
  pictures: pictures_lib.PictureSettings = _from_gin(pictures_lib.PictureSettings)  # pictures.*
  execution: precision_lib.ExecutionSettings = _from_gin(precision_lib.ExecutionSettings)  # execution.*
  optimization: optim.OptimizationSettings = _from_gin(optim.OptimizationSettings)  # optimization.*
  ema: ema_lib.EmaSettings = _from_gin(ema_lib.EmaSettings)  # ema.*
  lecam: lecam_lib.LeCamSettings = _from_gin(lecam_lib.LeCamSettings)  # lecam.*
  diffaugment: augmentation_lib.DiffAugmentSettings = _from_gin(augmentation_lib.DiffAugmentSettings)
  ada: ada_lib.AdaSettings = _from_gin(ada_lib.AdaSettings)  # ada.*


def train(model_dir: str, strategy: tf.distribute.Strategy = None, *, user_bindings: Sequence[str] = ()):
  """Trains a GAN as configured by gin (`RunSettings`) and returns the last measurements (floats).

  `user_bindings`: the command line's --gin_param bindings; each must bind something the run uses
  (checked once the first steps have run, before any file of the run is written).
  """
  settings = RunSettings()  # every gin setting, checked
  strategy = strategy or tf.distribute.get_strategy()
  policy = precision_lib.policy_for(settings.execution.precision, settings.execution.mixed_bfloat16, strategy)
  chief = cluster.is_chief(strategy)  # the other workers of a multi-worker run write nothing there
  fresh = chief and not tf.io.gfile.exists(model_dir)
  if chief:
    settings_lib.check_writable(model_dir)
  previous_policy = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy(policy)
  try:
    single = cluster.num_workers(strategy) == 1  # see preemption: workers would have to agree on a step
    with run_dir.TrainerLock(model_dir) if chief else contextlib.nullcontext(), \
        preemption.StopSignals() if single else contextlib.nullcontext() as stop:
      return _train(model_dir=model_dir, strategy=strategy, settings=settings, user_bindings=tuple(user_bindings),
                    stop=stop)
  except (ValueError, tf.errors.ResourceExhaustedError):
    if fresh:  # a configuration error or no memory for it: no empty or half-started model_dir left behind
      run_dir.remove_fresh_dir(model_dir)
    raise
  finally:
    keras.mixed_precision.set_global_policy(previous_policy)


def build_trainer(strategy: tf.distribute.Strategy, source, family, settings: RunSettings,
                  label_probs=None) -> GANTrainer:
  """The `GANTrainer` of a run: networks from gin's `build_generator` / `build_discriminator` for `source`'s
  shape and classes, optimizers from the gin scopes `g` and `d`, the gradient penalties from `gradient_penalty.*`,
  the rest from `settings`.

  `benchmarks/train_step.py --config` times exactly this trainer.
  """
  kind, s = settings.optimization.optimizer, settings.train
  trainer = None  # the rates of an annealed run follow its step counter, read once the trainer exists
  anneal = settings.optimization.anneal(s.num_steps, lambda: trainer.step)

  def make_optimizer(scope):
    with gin.config_scope(scope):
      return optim.build(kind, f"{scope}_{kind}", anneal)

  trainer = GANTrainer(
      strategy=strategy,
      make_generator=functools.partial(
          models_lib.build_generator, image_shape=source.image_shape,
          num_classes=source.num_classes, conditional=family.conditional_generator),
      make_discriminator=functools.partial(
          models_lib.build_discriminator, image_shape=source.image_shape,
          num_classes=source.num_classes),
      family=family, make_g_optimizer=lambda: make_optimizer("g"), make_d_optimizer=lambda: make_optimizer("d"),
      num_classes=source.num_classes, image_shape=source.image_shape,
      global_batch_size=s.global_batch_size, d_steps=s.d_steps, ema=settings.ema,
      jit_compile=settings.execution.jit_compile, seed=s.seed, label_probs=label_probs,
      augment=settings.diffaugment.policy, lecam=settings.lecam,
      accumulate_steps=settings.optimization.accumulate_steps, penalty=penalties.GradientPenalty(),
      ada=settings.ada)
  return trainer


class _Run:
  """What one call of `train` builds and writes with: the trainer, its data and its outputs."""

  def __init__(self, model_dir, strategy, settings: RunSettings, stop):
    self.model_dir, self.strategy, self.settings, self.stop = model_dir, strategy, settings, stop
    self.s, self.cadence = settings.train, settings.cadence
    self.chief = cluster.is_chief(strategy)


def _train(*, model_dir, strategy, settings, user_bindings, stop):
  run = _Run(model_dir, strategy, settings, stop)
  _build(run)
  _restore(run)
  return _run(run, user_bindings)


def _epoch_length(source, s):
  """Train steps per epoch: train.steps_per_epoch, else the source's examples per global batch (None: unknown)."""
  if s.steps_per_epoch:
    return s.steps_per_epoch
  num_examples = getattr(source, "num_examples", None)
  return max(1, num_examples // s.global_batch_size) if num_examples else None


def _build(run):
  """Data source, loss family and trainer, every setting checked before anything is written."""
  s = run.s
  keras.utils.set_random_seed(s.seed)  # weight initialisers draw from the global seed: same seed, same networks
  run.source = source = data_lib.build_source()
  run.family = family = losses_lib.get_family(s.loss_family, num_classes=source.num_classes)
  run.eval_protocol = protocol_lib.eval_protocol()  # the experiment's eval protocol, checked before anything
  label_probs, run.label_text = labels_lib.fake_label_distribution(source, s.fake_labels,
                                                                   family.conditional_generator)
  logging.info("fake labels: %s", run.label_text)
  run.init_from = settings_lib.resolve_init_from(s.init_from) if s.init_from is not None else None
  run.epoch_len = _epoch_length(source, s)
  if family.needs_epochs and run.epoch_len is None:
    raise ValueError(f"loss family {family.name!r} needs epochs: set train.steps_per_epoch (the source does not "
                     "report num_examples)")
  run.d_only_steps = family.d_only_steps(run.epoch_len)
  run.trainer = build_trainer(run.strategy, source, family, run.settings, label_probs=label_probs)
  memory.check_fits(run.trainer, run.strategy)  # a batch that cannot fit: one line now, not an OOM later


def _make_iterator(run, data_seed):
  def input_fn(ctx):
    return run.family.dataset(run.source, ctx, global_batch_size=run.s.global_batch_size, seed=data_seed)

  return iter(run.strategy.distribute_datasets_from_function(input_fn))


def _restore(run):
  """The checkpoint (resumed, or initialised from another run) and the input iterator."""
  s, trainer = run.s, run.trainer
  items = trainer.checkpoint_items()
  if run.cadence.checkpoint_input:
    run.iterator = _make_iterator(run, s.seed)
    if not isinstance(run.iterator, tf.__internal__.tracking.Trackable):
      raise ValueError(
          f"cadence.checkpoint_input=True: {type(run.strategy).__name__}'s input iterator cannot be "
          f"checkpointed in TF {tf.__version__} (only the default strategy's can); set it to False "
          "(a resumed run then reshuffles its data)")
    items["input_iterator"] = run.iterator
  ckpt = tf.train.Checkpoint(**items)
  resume_from = run_dir.resume_checkpoint(run.model_dir, rewrite_state=run.chief)
  run_dir.check_resumable(run.model_dir, resume_from, continues_another_run=run.init_from is not None)
  run.batch_history = run_dir.batch_history(run.model_dir, resume_from, s.global_batch_size, s.allow_batch_change)
  run.manager = cluster.CheckpointWriter(ckpt, run.model_dir, run.strategy, run.cadence.max_to_keep)
  # Checkpoints hold the optimizers' learning rates; the configuration of this run wins on resume.
  configured_rates = [(opt, float(opt.learning_rate.numpy()))
                      for opt in (trainer.g_optimizer, trainer.d_optimizer)
                      if isinstance(opt.learning_rate, keras.Variable)]  # not a schedule
  if resume_from:
    restore_lib.resume(ckpt, resume_from, run.model_dir)
    logging.info("Resumed from %s at step %d", resume_from, int(trainer.step.numpy()))
  elif run.init_from is not None:
    # Models, optimizers, EMA and step from another run; a different loss family continues (MHGAN §3.2).
    source_ckpt = tf.train.Checkpoint(**trainer.checkpoint_items())
    source_ckpt.restore(run.init_from).assert_existing_objects_matched().expect_partial()
    logging.info("Initialised from %s (step %d)", run.init_from, int(trainer.step.numpy()))
  for opt, rate in configured_rates:
    opt.learning_rate = rate
  if not run.cadence.checkpoint_input:
    # Without a checkpointed iterator a resumed run reshuffles with a new seed rather than replaying
    # the first batches of the run.
    run.iterator = _make_iterator(run, s.seed + int(trainer.step.numpy()))


def _next_stop(run, step):
  """The next step at which the host must act (`Cadence.next_stop`; also the epoch end, the end of D-only)."""
  epoch = run.epoch_len if run.family.needs_epochs else None
  return run.cadence.next_stop(step, run.s.num_steps, also_every=[epoch], also_at=[run.d_only_steps])


def _run(run, user_bindings):
  """The train loop: host calls of `steps_per_loop` steps (fewer up to the next save, summary, ...)."""
  s, trainer = run.s, run.trainer
  run.writer = tf.summary.create_file_writer(run.model_dir) if run.chief else tf.summary.create_noop_writer()
  run.pictures = _pictures(run)
  step = int(trainer.step.numpy())
  if step >= s.num_steps:
    logging.info("step %d >= train.num_steps=%d: nothing to train (raise train.num_steps to extend the run)",
                 step, s.num_steps)
  run.start = (step, time.time())
  measurements, first = {}, True
  while step < s.num_steps:
    n = _next_stop(run, step) - step
    measurements = {k: float(v) for k, v in
                    trainer.train_steps(run.iterator, n, train_generator=step >= run.d_only_steps).items()}
    step = int(trainer.step.numpy())
    _check_finite(run, measurements, step)
    if first:
      cli.check_bindings_used(user_bindings)  # every step function is traced by now; nothing written yet
      if run.chief:
        _write_config(run)
      first = False
    _host_work(run, step, measurements)
  run.writer.flush()
  if run.chief:
    with tf.io.gfile.GFile(f"{run.model_dir}/{TRAIN_DONE}", "w") as f:
      f.write(f"{step}\n")
  return measurements


def _pictures(run):
  s, source, shown = run.s, run.source, run.settings.pictures
  size = pictures_lib.preview_batch_size(source.image_shape, run.trainer.generator.takes_images, s.global_batch_size)
  real_preview = next(iter(source.input_fn(None, global_batch_size=size, split="train", training=True, seed=s.seed)))
  return pictures_lib.Pictures(run.trainer, tuple(t.numpy() for t in real_preview), shown.images_per_class,
                               shown.max_classes, s.seed, class_names=source.class_names)


def _check_finite(run, measurements, step):
  bad = sorted(k for k, v in measurements.items() if not math.isfinite(v))
  if bad:
    last = run.manager.latest_checkpoint or "none"
    raise NonFiniteLossError(
        f"non-finite {', '.join(bad)} at step {step}; stopped without saving. Last good checkpoint: "
        f"{last}. Lower the learning rates or check the data")


def _write_config(run):
  """operative_config.gin and run_info.json, once the first steps have run (TRAIN_DONE of an extended run goes)."""
  s, trainer, source = run.s, run.trainer, run.source
  done_marker = f"{run.model_dir}/{TRAIN_DONE}"
  if tf.io.gfile.exists(done_marker):  # extended, and the new configuration runs: the eval job follows on
    tf.io.gfile.remove(done_marker)
  with tf.io.gfile.GFile(f"{run.model_dir}/{OPERATIVE_CONFIG}", "w") as f:
    f.write(gin.operative_config_str())
  restore_lib.write_run_info(run.model_dir, dict(
      dataset=source.name, image_shape=list(source.image_shape), num_classes=source.num_classes,
      class_names=list(source.class_names) if source.class_names else None,
      conditional=trainer.conditional, z_dim=int(trainer.generator.z_dim), loss_family=run.family.name,
      generator_takes_images=trainer.generator.takes_images,
      ema=trainer.ema_generator is not None, discriminator_heads=list(trainer.discriminator.heads),
      global_batch_size=s.global_batch_size, global_batch_history=run.batch_history, num_steps=s.num_steps,
      fake_labels=run.label_text, eval_protocol=run.eval_protocol,
      precision=keras.mixed_precision.global_policy().name, onednn=cpu_lib.onednn_state(),
      diffaugment=",".join(trainer.augmentation.policy), ada=trainer.augmentation.describe_ada(),
      lecam_weight=run.settings.lecam.weight, accumulate_steps=run.settings.optimization.accumulate_steps,
      replicas=run.strategy.num_replicas_in_sync, workers=cluster.num_workers(run.strategy)))


def _host_work(run, step, measurements):
  """What the host does after a call of train steps: epoch end, summaries, picture, log, checkpoint, stop."""
  s, c = run.s, run.cadence
  if run.family.needs_epochs and step % run.epoch_len == 0:
    scalars = run.family.on_epoch_end(step=step, epoch_len=run.epoch_len, mean_real_energy=functools.partial(
        run.trainer.mean_real_energy, run.iterator))
    with run.writer.as_default(step=step):
      for k, v in scalars.items():
        tf.summary.scalar(k, v)
  last = step == s.num_steps
  if step % c.summary_every == 0 or last:
    with run.writer.as_default(step=step):
      for k, v in measurements.items():
        tf.summary.scalar(k, v)
  if step % c.image_every == 0 or last:
    _write_picture(run, step)
  if step % c.log_every == 0 or last:
    _log(run, step, measurements)
  if step % c.save_every == 0 or last:
    run.manager.save(step)
  if run.stop is not None and run.stop.signum is not None and not last:  # SIGTERM / SIGINT: save, then stop
    if step % c.save_every:
      run.manager.save(step)
    run.writer.flush()
    raise preemption.Stopped(run.stop.signum, step, f"{run.model_dir}/ckpt-{step}")


def _write_picture(run, step):
  samples = run.pictures.generate()  # every worker generates: the same computations everywhere
  if run.chief:
    picture = plots.to_array(run.pictures.figure(samples, step))  # uint8 [H, W, 3]
    plots.write_png(f"{run.model_dir}/samples/step_{step:08d}.png", picture)
    with run.writer.as_default(step=step):
      tf.summary.image("samples", picture[None])


def _log(run, step, measurements):
  s = run.s
  start_step, start_time = run.start
  rate = (step - start_step) / max(time.time() - start_time, 1e-9)
  eta = (s.num_steps - step) / max(rate, 1e-9)
  shown = " ".join(f"{k}={v:.4g}" for k, v in sorted(measurements.items())
                   if k.endswith("loss") or "acc" in k or not k.startswith(("d/", "g/")))  # + the family's own
  logging.info("step %d/%d  %.2f steps/s  %.0f images/s  ETA %dm%02ds  %s", step, s.num_steps,
               rate, rate * s.global_batch_size * s.d_steps, eta // 60, eta % 60, shown)
