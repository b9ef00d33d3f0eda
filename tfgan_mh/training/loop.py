"""The train loop: data, models, loss family and optimizers from gin; checkpoints, summaries, pictures.

`train(model_dir, strategy)` is the importable body of `python -m tfgan_mh.train`; everything it builds is
configured by gin (`gin/base/*.gin`, `gin/experiments/*.gin`). Outputs in `model_dir`:
  ckpt-N.*            tf.train.CheckpointManager checkpoints (step, G, D, optimizers, EMA G, loss state)
  operative_config.gin  the gin configuration actually used, written once training has started
  run_info.json       image shape, classes, ... decided by the data (`tfgan_mh.training.restore`)
  samples/step_N.png  a picture of samples per class (rows = classes; real | generated scatter plots for 2-D
                      data), drawn by `tfgan_mh.plots`
  events.*            TensorBoard: every measurement and the sample picture
  TRAIN_DONE          written when the last step is done (the eval job's stop signal)
  train.lock          held while the trainer runs: one trainer per model_dir (`tfgan_mh.training.run_dir`)
  bad/                checkpoints found unreadable on resume, moved aside (`run_dir.resume_checkpoint`)
"""

import contextlib
import functools
import math
import time
from typing import Sequence

import gin
import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh import cli
from tfgan_mh import cpu as cpu_lib
from tfgan_mh import data as data_lib
from tfgan_mh import losses as losses_lib
from tfgan_mh import models as models_lib
from tfgan_mh import plots
from tfgan_mh.evaluation import protocol as protocol_lib
from tfgan_mh.training import cluster
from tfgan_mh.training import labels as labels_lib
from tfgan_mh.training import memory
from tfgan_mh.training import optim
from tfgan_mh.training import pictures as pictures_lib
from tfgan_mh.training import preemption
from tfgan_mh.training import precision as precision_lib
from tfgan_mh.training import restore as restore_lib
from tfgan_mh.training import run_dir
from tfgan_mh.training.step import GANTrainer

picture_class_ids = pictures_lib.picture_class_ids
TRAIN_DONE = "TRAIN_DONE"
OPERATIVE_CONFIG = restore_lib.OPERATIVE_CONFIG


class NonFiniteLossError(FloatingPointError):
  """A loss or gradient became NaN/Inf; the last good checkpoint is left intact."""


def check_writable(model_dir: str) -> None:
  """Raises ValueError if model_dir cannot be created or written (local path or gs://)."""
  if tf.io.gfile.exists(model_dir) and not tf.io.gfile.isdir(model_dir):
    raise ValueError(f"model_dir {model_dir!r} is a file: pass a directory (a new one, or a run to resume)")
  probe = model_dir.rstrip("/") + "/.write_probe"
  try:
    tf.io.gfile.makedirs(model_dir)
    with tf.io.gfile.GFile(probe, "w") as f:
      f.write("ok")
    tf.io.gfile.remove(probe)
  except (tf.errors.OpError, OSError) as e:
    raise ValueError(f"model_dir {model_dir!r} is not writable ({type(e).__name__}); "
                     "pass a directory you can write to (local or gs://)") from None


def resolve_init_from(path: str) -> str:
  """A checkpoint prefix from a run directory or a prefix; ValueError if it points to nothing."""
  if tf.io.gfile.isdir(path):
    latest = tf.train.latest_checkpoint(path)
    if latest is None:
      raise ValueError(f"init_from={path!r} is a directory with no checkpoint; "
                       "pass a run directory containing ckpt-N files or a checkpoint prefix")
    return latest
  if tf.io.gfile.exists(path + ".index"):
    return path
  raise ValueError(f"init_from={path!r} points to no checkpoint (no {path}.index, not a run directory)")


_POSITIVE_INTS = ("num_steps", "global_batch_size", "d_steps", "steps_per_loop", "save_every", "max_to_keep",
                  "summary_every", "image_every", "log_every", "images_per_class", "accumulate_steps")


def check_settings(settings: dict) -> None:
  """One-line ValueError for a train.* setting of the wrong type or range, before anything is created."""
  def is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

  for name in _POSITIVE_INTS:
    value = settings[name]
    if not is_int(value) or value < 1:
      raise ValueError(f"train.{name}={value!r}: expected an integer >= 1")
  for name in ("ema_start", "pretrain_epochs", "seed"):
    if not is_int(settings[name]) or settings[name] < 0:
      raise ValueError(f"train.{name}={settings[name]!r}: expected an integer >= 0")
  if settings["steps_per_epoch"] is not None and (not is_int(settings["steps_per_epoch"])
                                                  or settings["steps_per_epoch"] < 1):
    raise ValueError(f"train.steps_per_epoch={settings['steps_per_epoch']!r}: expected an integer >= 1 or None")
  decay = settings["ema_decay"]
  if decay is not None and (isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay < 1):
    raise ValueError(f"train.ema_decay={decay!r}: expected a number in (0, 1) (e.g. 0.9999) or None")
  weight = settings["lecam_weight"]
  if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
    raise ValueError(f"train.lecam_weight={weight!r}: expected a number >= 0")


@gin.configurable(denylist=["model_dir", "strategy", "user_bindings"])
def train(model_dir: str, strategy: tf.distribute.Strategy = None, *,
          loss_family: str = gin.REQUIRED,
          num_steps: int = gin.REQUIRED,
          global_batch_size: int = 64,  # Kavalerov et al. 2019 (MHGAN) §3.1: 256 on TPU; CPU configs override
          d_steps: int = 1,  # D steps per G step: 1 for SAGAN / MHGAN, 2 for ACGAN (MHGAN §3.1)
          steps_per_loop: int = 100,  # train steps per host call (one tf.function)
          ema_decay: float = None,  # e.g. 0.9999 (BigGAN); None = no EMA generator
          ema_start: int = 0,  # steps before the EMA starts (a copy until then); StudioGAN MHGAN: 1000
          precision: str = "auto",  # 'auto', 'float32' or 'mixed_bfloat16' (tfgan_mh.training.precision)
          mixed_bfloat16: bool = None,  # older configs: True / False = precision 'mixed_bfloat16' / 'float32'
          jit_compile: bool = False,  # XLA for GPU; TPUs always compile; on CPU it measured 1.4-5x slower
          save_every: int = 1000,
          max_to_keep: int = 100000,  # large so a sidecar eval job never misses a checkpoint
          summary_every: int = 100,
          image_every: int = 1000,
          log_every: int = 100,
          images_per_class: int = 8,
          picture_classes: int = 20,  # rows of the sample picture (evenly spaced classes)
          init_from: str = None,  # another run's model_dir or checkpoint (MHSharedGAN switch, MHGAN §3.2)
          checkpoint_input: bool = False,  # also checkpoint the input iterator (saves the shuffle buffer)
          pretrain_epochs: int = 2,  # MAGAN: D-only epochs with m = 0 before training (Wang et al. 2017, §3.2.2)
          steps_per_epoch: int = None,  # MAGAN epoch length in train steps; default N / global batch
          optimizer: str = "adam",  # 'adam' or 'adamax' (MAGAN), configured per network: g/adam.*, d/adam.*
          fake_labels: str = "auto",  # G's labels: p_d if the data is imbalanced (tfgan_mh.training.labels)
          diffaugment: str = "",  # DiffAugment policies for every image D sees, e.g. 'color,translation,cutout'
          lecam_weight: float = 0.0,  # LeCam regularisation of D (0 = off; other settings: LeCam.*)
          accumulate_steps: int = 1,  # micro-batches per update: the batch-n update in n slices (accumulate.py)
          seed: int = 0,
          allow_batch_change: bool = False,  # resume with another global_batch_size (run_info.json keeps both)
          user_bindings: Sequence[str] = ()):
  """Trains a GAN as configured by gin and returns the last measurements (dict of floats).

  `user_bindings`: the command line's --gin_param bindings; each must bind something the run uses
  (checked once the first steps have run, before any file of the run is written).
  """
  settings = {k: v for k, v in locals().items() if k not in ("model_dir", "strategy", "user_bindings")}
  check_settings(settings)
  strategy = strategy or tf.distribute.get_strategy()
  policy = precision_lib.policy_for(precision, mixed_bfloat16, strategy)  # a bad value fails here
  chief = cluster.is_chief(strategy)  # the other workers of a multi-worker run write nothing there
  fresh = chief and not tf.io.gfile.exists(model_dir)
  if chief:
    check_writable(model_dir)
  previous_policy = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy(policy)
  try:
    single = cluster.num_workers(strategy) == 1  # see preemption: workers would have to agree on a step
    with run_dir.TrainerLock(model_dir) if chief else contextlib.nullcontext(), \
        preemption.StopSignals() if single else contextlib.nullcontext() as stop:
      return _train(model_dir=model_dir, strategy=strategy, user_bindings=tuple(user_bindings), stop=stop,
                    **settings)
  except (ValueError, tf.errors.ResourceExhaustedError):
    if fresh:  # a configuration error or no memory for it: no empty or half-started model_dir left behind
      run_dir.remove_fresh_dir(model_dir)
    raise
  finally:
    keras.mixed_precision.set_global_policy(previous_policy)


def build_trainer(strategy: tf.distribute.Strategy, source, family, *, optimizer: str = "adam",
                  global_batch_size: int, d_steps: int = 1, ema_decay=None, ema_start: int = 0,
                  jit_compile: bool = False, seed: int = 0, label_probs=None, diffaugment: str = "",
                  lecam_weight: float = 0.0, accumulate_steps: int = 1) -> GANTrainer:
  """The `GANTrainer` of a run: networks from gin's `build_generator` / `build_discriminator` for `source`'s
  shape and classes, optimizers from the gin scopes `g` and `d` (the arguments are `train`'s of the same name).

  `benchmarks/train_step.py --config` times exactly this trainer.
  """

  def make_optimizer(scope):
    with gin.config_scope(scope):
      return optim.build(optimizer, f"{scope}_{optimizer}")

  return GANTrainer(
      strategy=strategy,
      make_generator=functools.partial(
          models_lib.build_generator, image_shape=source.image_shape,
          num_classes=source.num_classes, conditional=family.conditional_generator),
      make_discriminator=functools.partial(
          models_lib.build_discriminator, image_shape=source.image_shape,
          num_classes=source.num_classes),
      family=family, make_g_optimizer=lambda: make_optimizer("g"), make_d_optimizer=lambda: make_optimizer("d"),
      num_classes=source.num_classes, image_shape=source.image_shape,
      global_batch_size=global_batch_size, d_steps=d_steps, ema_decay=ema_decay,
      make_margin_state=getattr(losses_lib, "MarginState", None), jit_compile=jit_compile, seed=seed,
      label_probs=label_probs, augment=diffaugment, ema_start=ema_start, lecam_weight=lecam_weight,
      accumulate_steps=accumulate_steps)


def _train(*, model_dir, strategy, loss_family, num_steps, global_batch_size, d_steps, steps_per_loop,
           ema_decay, ema_start, precision, mixed_bfloat16, jit_compile, save_every, max_to_keep, summary_every,
           image_every,
           log_every, images_per_class, picture_classes, init_from, checkpoint_input, pretrain_epochs,
           steps_per_epoch, optimizer, fake_labels, diffaugment, lecam_weight, accumulate_steps, seed,
           allow_batch_change, user_bindings, stop):
  del precision, mixed_bfloat16  # applied by train()
  # Weight initialisers draw from the global seed: same seed, same initial networks.
  keras.utils.set_random_seed(seed)
  source = data_lib.build_source()
  family = losses_lib.get_family(loss_family, num_classes=source.num_classes)
  pictures_lib.picture_class_ids(source.num_classes, picture_classes)  # a bad value fails before anything is built
  optim.check_kind(optimizer)  # before anything is built
  eval_protocol = protocol_lib.eval_protocol()  # the experiment's eval protocol, checked before anything
  label_probs, label_text = labels_lib.fake_label_distribution(source, fake_labels,
                                                               family.conditional_generator)
  logging.info("fake labels: %s", label_text)
  if init_from is not None:
    init_from = resolve_init_from(init_from)

  trainer = build_trainer(strategy, source, family, optimizer=optimizer, global_batch_size=global_batch_size,
                          d_steps=d_steps, ema_decay=ema_decay, ema_start=ema_start, jit_compile=jit_compile,
                          seed=seed, label_probs=label_probs, diffaugment=diffaugment, lecam_weight=lecam_weight,
                          accumulate_steps=accumulate_steps)
  memory.check_fits(trainer, strategy)  # a batch that cannot fit: one line now, not an OOM after the first trace

  def make_iterator(data_seed):
    def input_fn(ctx):
      labeled = source.input_fn(ctx, global_batch_size=global_batch_size, split="train",
                                training=True, seed=data_seed)
      if family.uses_unlabeled:
        unlabeled = source.unlabeled_input_fn(ctx, global_batch_size=global_batch_size, seed=data_seed)
        return tf.data.Dataset.zip((labeled, unlabeled))
      return labeled
    return iter(strategy.distribute_datasets_from_function(input_fn))

  items = trainer.checkpoint_items()
  if checkpoint_input:
    iterator = make_iterator(seed)
    if not isinstance(iterator, tf.__internal__.tracking.Trackable):
      raise ValueError(
          f"train.checkpoint_input=True: {type(strategy).__name__}'s input iterator cannot be "
          f"checkpointed in TF {tf.__version__} (only the default strategy's can); set it to False "
          "(a resumed run then reshuffles its data)")
    items["input_iterator"] = iterator
  ckpt = tf.train.Checkpoint(**items)
  chief = cluster.is_chief(strategy)
  resume_from = run_dir.resume_checkpoint(model_dir, rewrite_state=chief)
  batch_history = run_dir.batch_history(model_dir, resume_from, global_batch_size, allow_batch_change)
  manager = cluster.CheckpointWriter(ckpt, model_dir, strategy, max_to_keep)
  # Checkpoints hold the optimizers' learning rates; the configuration of this run wins on resume.
  configured_rates = [(opt, float(opt.learning_rate.numpy()))
                      for opt in (trainer.g_optimizer, trainer.d_optimizer)
                      if isinstance(opt.learning_rate, keras.Variable)]  # not a schedule
  if resume_from:
    restore_lib.resume(ckpt, resume_from, model_dir)
    logging.info("Resumed from %s at step %d", resume_from, int(trainer.step.numpy()))
  elif init_from is not None:
    # Models, optimizers, EMA and step from another run; a different loss family continues (MHGAN §3.2).
    source_ckpt = tf.train.Checkpoint(**trainer.checkpoint_items())
    source_ckpt.restore(init_from).assert_existing_objects_matched().expect_partial()
    logging.info("Initialised from %s (step %d)", init_from, int(trainer.step.numpy()))
  for opt, rate in configured_rates:
    opt.learning_rate = rate
  if not checkpoint_input:
    # Without a checkpointed iterator a resumed run reshuffles with a new seed rather than replaying
    # the first batches of the run.
    iterator = make_iterator(seed + int(trainer.step.numpy()))

  energy = trainer.margin_state is not None
  epoch_len = None
  if energy:
    num_examples = steps_per_epoch and steps_per_epoch * global_batch_size or getattr(
        source, "num_examples", None)
    if not num_examples:
      raise ValueError("loss family %r needs epochs: set train.steps_per_epoch (the source does not "
                       "report num_examples)" % family.name)
    epoch_len = steps_per_epoch or max(1, num_examples // global_batch_size)
    if pretrain_epochs < 1:
      raise ValueError(f"train.pretrain_epochs={pretrain_epochs}: loss family {family.name!r} sets its "
                       "first margin from D-only pre-training (MAGAN Algorithm 1 l.9); use >= 1 (paper: 2)")

  writer = tf.summary.create_file_writer(model_dir) if chief else tf.summary.create_noop_writer()
  real_preview = next(iter(source.input_fn(None, global_batch_size=512 if len(source.image_shape) == 1
                                            else global_batch_size, split="train",
                                            training=True, seed=seed)))
  pictures = pictures_lib.Pictures(trainer, tuple(t.numpy() for t in real_preview), images_per_class,
                                   picture_classes, seed, class_names=source.class_names)

  def boundaries(step):
    marks = [num_steps, step + steps_per_loop]
    for every in (save_every, summary_every, image_every, log_every, epoch_len):
      if every:
        marks.append((step // every + 1) * every)
    return min(marks)

  step = int(trainer.step.numpy())
  done_marker = f"{model_dir}/{TRAIN_DONE}"
  if step >= num_steps:
    logging.info("step %d >= train.num_steps=%d: nothing to train (raise train.num_steps to extend the run)",
                 step, num_steps)
  start_step, start_time = step, time.time()
  wrote_config = checked_bindings = False
  measurements = {}
  pretrain_steps = pretrain_epochs * epoch_len if energy else 0
  while step < num_steps:
    n = boundaries(step) - step
    pretraining = step < pretrain_steps
    if pretraining:
      n = min(n, pretrain_steps - step)
    measurements = {k: float(v) for k, v in
                    trainer.train_steps(iterator, n, train_generator=not pretraining).items()}
    step = int(trainer.step.numpy())
    bad = sorted(k for k, v in measurements.items() if not math.isfinite(v))
    if bad:
      last = manager.latest_checkpoint or "none"
      raise NonFiniteLossError(
          f"non-finite {', '.join(bad)} at step {step}; stopped without saving. Last good checkpoint: "
          f"{last}. Lower the learning rates or check the data")
    if not checked_bindings:
      cli.check_bindings_used(user_bindings)  # every step function is traced by now; nothing written yet
      checked_bindings = True
    if not wrote_config and chief:
      if tf.io.gfile.exists(done_marker):  # extended, and the new configuration runs: the eval job follows on
        tf.io.gfile.remove(done_marker)
      with tf.io.gfile.GFile(f"{model_dir}/{OPERATIVE_CONFIG}", "w") as f:
        f.write(gin.operative_config_str())
      restore_lib.write_run_info(model_dir, dict(
          dataset=source.name, image_shape=list(source.image_shape), num_classes=source.num_classes,
          class_names=list(source.class_names) if source.class_names else None,
          conditional=trainer.conditional, z_dim=int(trainer.generator.z_dim), loss_family=family.name,
          translation=trainer.generator.takes_images,
          ema=trainer.ema_generator is not None, discriminator_heads=list(trainer.discriminator.heads),
          global_batch_size=global_batch_size, global_batch_history=batch_history, num_steps=num_steps,
          fake_labels=label_text,
          eval_protocol=eval_protocol, precision=keras.mixed_precision.global_policy().name,
          onednn=cpu_lib.onednn_state(),
          diffaugment=",".join(trainer.augment), lecam_weight=lecam_weight, accumulate_steps=accumulate_steps,
          replicas=strategy.num_replicas_in_sync, workers=cluster.num_workers(strategy)))
      wrote_config = True
    if energy and step % epoch_len == 0:
      if step == pretrain_steps:
        # m_1 of the MAGAN paper: mean real energy of one more epoch with the pre-trained D and no updates
        # (authors' code).
        trainer.margin_state.end_pretraining(trainer.mean_real_energy(iterator, epoch_len))
        logging.info("MAGAN pre-training done: m_1 = %.4g", float(trainer.margin_state.margin.numpy()))
      elif step > pretrain_steps:
        real_mean, fake_mean = (float(v) for v in trainer.margin_state.epoch_means())
        with writer.as_default(step=step):  # Algorithm 1's epoch statistics, before Eq. (4) uses them
          tf.summary.scalar("magan/epoch_real_energy", real_mean)
          tf.summary.scalar("magan/epoch_fake_energy", fake_mean)
        trainer.margin_state.end_epoch()
    if step % summary_every == 0 or step == num_steps:
      with writer.as_default(step=step):
        for k, v in measurements.items():
          tf.summary.scalar(k, v)
    if step % image_every == 0 or step == num_steps:
      samples = pictures.generate()  # every worker generates: the same computations everywhere
      if chief:
        picture = plots.to_array(pictures.figure(samples, step))  # uint8 [H, W, 3]
        plots.write_png(f"{model_dir}/samples/step_{step:08d}.png", picture)
        with writer.as_default(step=step):
          tf.summary.image("samples", picture[None])
    if step % log_every == 0 or step == num_steps:
      elapsed = time.time() - start_time
      rate = (step - start_step) / max(elapsed, 1e-9)
      eta = (num_steps - step) / max(rate, 1e-9)
      shown = " ".join(f"{k}={v:.4g}" for k, v in sorted(measurements.items()) if k.endswith("loss")
                       or "acc" in k or k.startswith("magan"))
      logging.info("step %d/%d  %.2f steps/s  %.0f images/s  ETA %dm%02ds  %s", step, num_steps,
                   rate, rate * global_batch_size * d_steps, eta // 60, eta % 60, shown)
    if step % save_every == 0 or step == num_steps:
      manager.save(step)
    if stop is not None and stop.signum is not None and step < num_steps:  # SIGTERM / SIGINT: save, then stop
      if step % save_every:
        manager.save(step)
      writer.flush()
      raise preemption.Stopped(stop.signum, step, f"{model_dir}/ckpt-{step}")
  writer.flush()
  if chief:
    with tf.io.gfile.GFile(done_marker, "w") as f:
      f.write(f"{step}\n")
  return measurements
