"""The strategy-agnostic GAN train step.

`GANTrainer` owns everything with variables (G, D, their optimizers with slots, the EMA generator, the loss
family's state, the step counter) and creates it under `strategy.scope()`. One *train step* is
`d_steps` discriminator updates followed by one generator update; `train_steps(iterator, n)` runs n of
them inside one `tf.function` (a host loop, so TPUs stay busy) and returns the measurements of the last.

Reduction: loss families return per-example terms `[B_k]`; each term is averaged once over the *global*
batch inside the replica (sum / global batch size, as `tf.nn.compute_average_loss` without its checks), and the
gradients are summed over replicas, so the update equals the single-device update on the global batch (tested).
Every measurement is reduced the same way, then summed over replicas with `strategy.reduce`, so it is the
global-batch mean.

Gradient accumulation (`accumulate_steps` = n, `tfgan_mh.training.accumulate`): each update sums the gradients
of n micro-batches of the replica's batch, each term still averaged over the global batch.

Randomness is stateless: the global batch of z and fake labels comes from `(seed, step, salt)` and each
replica takes its slice, so a resumed run draws exactly the latents an uninterrupted run would, and the
latents do not depend on the number of replicas.
"""

import contextlib
from typing import Callable, Optional

import tensorflow as tf

from tfgan_mh.models import base as models_base
from tfgan_mh.models import heads as heads_lib
from tfgan_mh.models import latents
from tfgan_mh.models.outputs import classifier_logits as _classifier_logits
from tfgan_mh.models.outputs import is_real as _is_real
from tfgan_mh.models.outputs import split_outputs as _split
from tfgan_mh.training import accumulate as accumulate_lib
from tfgan_mh.training import augmentation as augmentation_lib
from tfgan_mh.training import host_loop
from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import lecam as lecam_lib
from tfgan_mh.training import penalties as penalties_lib
from tfgan_mh.training import trainer_checks as checks


def _stacked(step_fn, keys):
  """A replica function returning step_fn's measurements as one float32 vector, their names in `keys`."""

  def fn(*args):
    out = step_fn(*args)
    keys[:] = sorted(out)
    return tf.stack([tf.cast(out[k], tf.float32) for k in keys])

  return fn


class GANTrainer:
  """Builds the GAN state under a strategy and runs its D and G steps.

  Args:
    strategy: any `tf.distribute.Strategy` (default, Mirrored, MultiWorkerMirrored, TPU).
    make_generator / make_discriminator: zero-argument callables building the Keras models.
    family: a loss family (`tfgan_mh.losses.get_family`).
    make_g_optimizer / make_d_optimizer: zero-argument callables returning Keras optimizers that do not
      all-reduce (`tfgan_mh.training.optim.PreReducedAdam`).
    num_classes: K. image_shape: shape of one example.
    global_batch_size: examples per D step over all replicas (the unlabeled batch, if any, has the same size).
    d_steps: discriminator updates per generator update.
    ema: the EMA generator's settings (`tfgan_mh.training.ema.EmaSettings`); None or decay None = none.
    jit_compile: XLA-compile the per-replica step functions.
    seed: base seed of the latents.
    label_probs: [K] class probabilities of the fake labels (p_d of Eq. (3)-(4) of Kavalerov et al. 2019,
      MHGAN); None = uniform.
    augment: DiffAugment policies (`tfgan_mh.augment`, e.g. ('color', 'cutout')):
      every image D sees in training is augmented (real and fake in the D step, fake (and real) in the G
      step), with draws from (seed, step, replica); () = none.
    ada: ADA's settings (`tfgan_mh.training.ada.AdaSettings`): the adaptive 'bgc' augmentation of the same
      images, before DiffAugment; None or `pipeline=''` = none.
    lecam: the LeCam regularisation of D (`tfgan_mh.training.lecam.LeCamSettings`); None or weight 0 = off.
    accumulate_steps: micro-batches per update (`tfgan_mh.training.accumulate`): each D and G update sums
      the gradients of this many slices of the step's batch; 1 = none.
    penalty: the R1 / R2 gradient penalties of D (`tfgan_mh.training.penalties.GradientPenalty`); None = none.
  """

  def __init__(self, *, strategy: tf.distribute.Strategy, make_generator: Callable,
               make_discriminator: Callable, family, make_g_optimizer: Callable,
               make_d_optimizer: Callable, num_classes: int, image_shape, global_batch_size: int,
               d_steps: int = 1, ema: Optional[ema_lib.EmaSettings] = None, jit_compile: bool = False,
               seed: int = 0, label_probs=None, augment=(), lecam: Optional[lecam_lib.LeCamSettings] = None,
               accumulate_steps: int = 1, penalty: Optional[penalties_lib.GradientPenalty] = None, ada=None):
    replicas = strategy.num_replicas_in_sync
    checks.check_args(global_batch_size, replicas, d_steps)
    checks.check_family(family)  # before anything is built or traced
    self.augmentation = augmentation_lib.Augmentation(augment, ada, image_shape)
    self.strategy = strategy
    self.family = family
    self.num_classes = int(num_classes)
    self.image_shape = tuple(image_shape)
    self.global_batch_size = global_batch_size
    self.per_replica_batch = global_batch_size // replicas
    accumulate_lib.check(accumulate_steps, self.per_replica_batch)
    self.accumulate_steps = accumulate_steps
    self.d_steps = d_steps
    self.ema = ema if ema is not None and ema.active else None
    self.seed = seed
    self.label_logits = (None if label_probs is None else
                         tf.math.log(tf.constant(label_probs, tf.float32))[None, :])  # [1, K]
    self.jit_compile = jit_compile
    self.penalty = penalty if penalty is not None and penalty.active else None
    self.generator_needs = tuple(family.generator_needs)  # served by _generator_inputs
    with strategy.scope():
      self._create(make_generator, make_discriminator, make_g_optimizer, make_d_optimizer, lecam)
    self._d_keys, self._g_keys = [], []  # measurement names, filled when the replica functions are traced
    # autograph off: the steps are plain Python over static shapes, and converting them was most of their tracing
    self._d_replica = tf.function(_stacked(self._d_step, self._d_keys), jit_compile=jit_compile or None,
                                  autograph=False)
    self._g_replica = tf.function(_stacked(self._g_step, self._g_keys), jit_compile=jit_compile or None,
                                  autograph=False)
    self._compiled = {}

  # --- construction -------------------------------------------------------------------------------

  def _create(self, make_generator, make_discriminator, make_g_optimizer, make_d_optimizer, lecam):
    """Every variable of the run (in the strategy's scope), each network checked against the family."""
    self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    self.generator = make_generator()
    self.discriminator = make_discriminator()
    checks.check_generator_input(self.family, self.generator)
    self._probe = models_base.build_by_calling(self.generator, self.discriminator)  # D's heads, as it runs
    self.family.check_heads(self._probe)
    heads_lib.check_heads_used(tuple(getattr(self.discriminator, "heads", ())), self.family)
    self.g_optimizer = make_g_optimizer()
    self.d_optimizer = make_d_optimizer()
    self.g_optimizer.build(self.generator.trainable_variables)
    self.d_optimizer.build(self.discriminator.trainable_variables)
    self.ema_generator = None
    if self.ema is not None:
      self.ema_generator = make_generator()
      models_base.build_by_calling(self.ema_generator)
      ema_lib.copy_weights(self.ema_generator, self.generator)
    self.lecam = lecam_lib.LeCam(lecam) if lecam is not None and lecam.active else None
    if self.lecam is not None:
      lecam_lib.adversarial_output(self._probe)  # heads without an adversarial output fail here
    if self.penalty is not None:
      self.penalty.check(self._probe)
    self.augmentation.build(self._probe, self.global_batch_size)
    self.family_state = self.family.build_state()  # {checkpoint key: the family's own variables}

  @property
  def conditional(self) -> bool:
    return bool(getattr(self.generator, "conditional", False))

  @property
  def d_uses_labels(self) -> bool:
    """Whether D reads labels (a projection head or a label input: `models.base.Discriminator.uses_labels`)."""
    return models_base.reads_labels(self.discriminator)

  def checkpoint_items(self) -> dict:
    """Everything a checkpoint must hold to resume this run exactly.

    The optimizers' keys sort after the networks' so that a variable reachable from both is saved
    under the network's path (`discriminator/...`, `generator/...`), as a reader of the checkpoint
    expects (`tf.train.load_checkpoint`).
    """
    items = dict(step=self.step, generator=self.generator, discriminator=self.discriminator,
                 optimizer_g=self.g_optimizer, optimizer_d=self.d_optimizer)
    if self.ema_generator is not None:
      items["ema_generator"] = self.ema_generator
    items.update(self.family_state)
    if self.lecam is not None:
      items["lecam"] = self.lecam
    items.update(self.augmentation.checkpoint_items())
    return items

  # --- per-replica pieces --------------------------------------------------------------------------

  def _global_mean(self, per_example):
    """This replica's share of the global-batch mean of a per-example [b] tensor (b: a micro-batch's share when
    accumulating: the shares of all micro-batches and replicas sum to the mean)."""
    # What tf.nn.compute_average_loss computes, without the ~16 graph ops per call of its checks of the batch size
    # (checked once, in TrainSettings).
    return tf.reduce_sum(tf.cast(per_example, tf.float32)) / float(self.global_batch_size)

  def _step_seed(self, salt, offset=0):
    """[2] int64 stateless seed of this step's draws: (seed + offset, step * 64 + salt), salt in [0, 64)."""
    return tf.stack([tf.constant(self.seed, tf.int64) + offset, self.step.read_value() * 64 + salt])

  def _latents(self, batch, salt):
    """This replica's slice of the global batch of z [b, z_dim] and fake labels [b].

    Drawn from (seed, step, salt) for the whole global batch and sliced by replica id, so they do not
    depend on the number of replicas and a resumed run draws what an uninterrupted one would.
    """
    replicas = self.strategy.num_replicas_in_sync
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    seed = self._step_seed(salt)
    z = tf.random.stateless_normal([batch * replicas, self.generator.z_dim], seed=seed, alg=latents.RNG_ALG)
    if self.label_logits is None:
      labels = tf.random.stateless_uniform([batch * replicas], seed=seed + [1, 0], minval=0,
                                           maxval=self.num_classes, dtype=tf.int32, alg=latents.RNG_ALG)
    else:  # y ~ p_d (MHGAN Eq. (3)-(4))
      labels = tf.random.stateless_categorical(self.label_logits, batch * replicas, seed=seed + [1, 0],
                                               dtype=tf.int32)[0]
    start = replica * batch
    return z[start:start + batch], labels[start:start + batch]

  def _augment(self, images, salt, micro=0):
    """ADA / DiffAugment T(images) with draws from (seed, step, salt, replica, micro-batch); unchanged without them.

    Salts are multiples of 8 (the latents use 0 and 1, DiffAugment adds 1..7 inside), so no two draws of a step
    share a seed.
    """
    if not self.augmentation.active:
      return images
    replica = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.int64)
    offset = 1_000_003 * replica + 7_919 * tf.cast(micro, tf.int64)
    return self.augmentation(images, self._step_seed(salt, offset=offset))

  def _generate(self, z, labels, training):
    return tf.cast(self.generator(z, labels if self.conditional else None, training=training),
                   tf.float32)

  def _discriminate(self, images, labels, training=True):
    """D(x, y); labels reach only a D that reads them, and None makes a projection use pseudo-labels (MHGAN
    §2.2)."""
    return self.discriminator(images, labels if self.d_uses_labels else None, training=training)

  def _fake_labels_for_d(self, fake_y):
    """An unconditional G's samples have no label: the projection takes pseudo-labels instead."""
    return fake_y if self.conditional else None

  def _discriminate_pair(self, real_x, real_y, fake_x, fake_y):
    """D on real and fake in one call (one power iteration, one bigger batch) when labels allow."""
    if not self.d_uses_labels or self.conditional:
      out = self._discriminate(tf.concat([real_x, fake_x], 0), tf.concat([real_y, fake_y], 0))
      return _split(out, [real_x.shape[0], fake_x.shape[0]])
    # Unconditional G with a projection D: fakes take pseudo-labels from the classifier (MHGAN §2.2).
    return self._discriminate(real_x, real_y), self._discriminate(fake_x, None)

  def _reduce_terms(self, terms, prefix):
    losses = {f"{prefix}/{k}": self._global_mean(v) for k, v in terms.items()}
    return tf.add_n(list(losses.values())), losses

  def _apply(self, optimizer, grads, variables):
    """All-reduces this replica's gradients, applies them; the global norm of the applied gradient."""
    unused = [v.path for v, g in zip(variables, grads) if g is None]
    if unused:  # the heads check at construction catches the usual cause; this names any other
      raise ValueError(f"loss family {self.family.name!r} gives no gradient to {len(unused)} weight(s) "
                       f"({', '.join(unused[:3])}): remove what it does not use from the network")
    grads = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, grads)
    optimizer.apply_gradients(zip(grads, variables))
    return tf.linalg.global_norm(grads) / self.strategy.num_replicas_in_sync

  def _accumulated(self, loss_fn, variables, batches):
    """(gradients, measurements) of loss_fn(*micro-batches, micro=i) -> (loss, out) summed over the micro-batches of
    `batches` (`tfgan_mh.training.accumulate`; one call of loss_fn on the whole batch when accumulate_steps=1)."""
    n = self.accumulate_steps

    def micro_step(i):
      with tf.GradientTape() as tape:
        loss, out = loss_fn(*[accumulate_lib.micro(t, i, n) for t in batches], micro=i)
      grads = accumulate_lib.gradients(tape, loss, variables) if n > 1 else tape.gradient(loss, variables)
      return grads, out

    return accumulate_lib.accumulate(micro_step, n)

  def _d_loss(self, real_x, real_y, fake_x, fake_y, *streams, micro):
    with self._penalty_tape(real_x, fake_x) as tape:
      real, fake = self._discriminate_pair(self._augment(real_x, 8, micro), real_y,
                                           self._augment(fake_x, 16, micro), fake_y)
    extra = {name: self.discriminator(self._augment(x, salt, micro), None, training=True)  # unlabeled: no y
             for name, x, salt in zip(self.family.data_streams, streams, checks.STREAM_SALTS)}
    terms = self.family.discriminator_loss(real=real, fake=fake, real_labels=real_y, fake_labels=fake_y, **extra)
    if self.lecam is not None:
      terms.update(self.lecam.terms(real, fake, self.step, self.global_batch_size))
    if self.penalty is not None:
      terms.update(self.penalty.terms(tape, real_x, fake_x, real, fake, self.d_optimizer.iterations))
    loss, out = self._reduce_terms(terms, "d")
    out["d/loss"] = loss
    out.update(self._d_measurements(real, fake, real_y))
    return loss, out

  def _penalty_tape(self, real_x, fake_x):
    return self.penalty.recording(real_x, fake_x) if self.penalty is not None else contextlib.nullcontext()

  def _d_measurements(self, real, fake, real_y):
    """D's accuracies (real vs fake; the classifier's on real data) and energies, global-batch means."""
    out = {}
    is_real_r, is_real_f = _is_real(real), _is_real(fake)
    if is_real_r is not None:
      out["d/acc_real"] = self._global_mean(is_real_r)
      out["d/acc_fake"] = self._global_mean(tf.logical_not(is_real_f))
    logits = _classifier_logits(real)
    if logits is not None:
      out["d/class_acc_real"] = self._global_mean(tf.argmax(logits, axis=1, output_type=tf.int32) == real_y)
    if real.energy is not None:
      out["d/energy_real"] = self._global_mean(real.energy)
      out["d/energy_fake"] = self._global_mean(fake.energy)
    out.update(self.augmentation.real_measurements(real, self._global_mean))
    return out

  def _d_step(self, real_x, real_y, *streams):
    """One D update on this replica's batch (+ one batch per `family.data_streams`)."""
    b = real_x.shape[0] or self.per_replica_batch  # static on TPU (drop_remainder)
    z, fake_y = self._latents(b, salt=0)  # an image-to-image G: fake_y are the real batch's target domains
    fake_x = tf.stop_gradient(self._generate(self.generator.source(z, real_x), fake_y, training=True))
    variables = self.discriminator.trainable_variables
    grads, out = self._accumulated(self._d_loss, variables, (real_x, real_y, fake_x, fake_y, *streams))
    out["d/grad_norm"] = self._apply(self.d_optimizer, grads, variables)
    return out

  def _g_loss(self, z, fake_y, real_x, real_y, *, micro):
    fake_x = self._generate(z, fake_y, training=True)  # z: what G transforms (`Generator.source`)
    fake = self._discriminate(self._augment(fake_x, 32, micro), self._fake_labels_for_d(fake_y))
    kwargs = self._generator_inputs(fake_x, real_x, real_y, micro)
    terms = self.family.generator_loss(fake=fake, fake_labels=fake_y, **kwargs)
    loss, out = self._reduce_terms(terms, "g")
    out["g/loss"] = loss
    if fake.energy is not None:
      out["g/energy_fake"] = self._global_mean(fake.energy)
    logits = _classifier_logits(fake)
    if logits is not None and self.conditional:
      out["g/self_acc"] = self._global_mean(tf.argmax(logits, axis=1, output_type=tf.int32) == fake_y)
    return loss, out

  def _generator_inputs(self, fake_x, real_x, real_y, micro):
    """The family's `generator_needs`, by name: D on the real batch, the real images, G(G(.), real labels)."""
    serve = {"real": lambda: self._discriminate(self._augment(real_x, 40, micro), real_y),
             "source": lambda: real_x,
             "reconstruction": lambda: self._generate(fake_x, real_y, training=True)}
    return {name: serve[name]() for name in self.generator_needs}

  def _g_step(self, real_x, real_y):
    b = real_x.shape[0] or self.per_replica_batch  # static on TPU (drop_remainder)
    z, fake_y = self._latents(b, salt=1)
    variables = self.generator.trainable_variables
    grads, out = self._accumulated(self._g_loss, variables, (self.generator.source(z, real_x), fake_y, real_x,
                                                             real_y))
    out["g/grad_norm"] = self._apply(self.g_optimizer, grads, variables)
    return out

  # --- cross-replica ----------------------------------------------------------------------------------

  def _run_reduced(self, replica_fn, keys, args):
    """strategy.run(replica_fn) and the sum over replicas of its measurements, in ONE cross-replica reduction.

    Per-replica shares of a global mean add up to the global mean (the gradient norm, equal on every replica,
    is divided by the replica count where produced). The measurements come stacked (`_stacked`): a reduction
    per key was ~20 all-reduces per step, each a network round trip under MultiWorkerMirroredStrategy.
    """
    total = self.strategy.reduce(tf.distribute.ReduceOp.SUM, self.strategy.run(replica_fn, args=args), axis=None)
    return dict(zip(keys, tf.unstack(total)))

  def _one_step(self, iterator, train_generator):
    """d_steps D updates, then (unless D-only) one G update and the EMA; the family's `after_step` last."""
    d_outs, augmented = [], {}
    for _ in range(self.d_steps):
      real_x, real_y, *streams = next(iterator)
      d_outs.append(self._run_reduced(self._d_replica, self._d_keys, (real_x, real_y, *streams)))
      augmented = self.augmentation.after_d_update(d_outs[-1])
    out, g_out = dict(d_outs[-1], **augmented), None
    if train_generator:
      g_out = self._run_reduced(self._g_replica, self._g_keys, (real_x, real_y))
      out.update(g_out)
      if self.ema_generator is not None:
        ema_lib.update(self.strategy, self.ema_generator, self.generator, self.ema.decay, self.step, self.ema.start)
    out.update(self.family.after_step(d_outs, g_out, self.global_batch_size))
    self.step.assign_add(1)
    return out

  def mean_real_energy(self, iterator, num_batches: int):
    """Mean D(x) over `num_batches` global batches of real data, D in training mode, no updates (float).

    What an energy family's `on_epoch_end` reads (MAGAN's first margin: one pass over the data after the D-only
    pre-training, as the authors' code).
    """
    if "mean_real_energy" not in self._compiled:

      def replica_sum(x):
        return tf.reduce_sum(tf.cast(self._discriminate(x, None).energy, tf.float32))

      @tf.function
      def energy_pass(it, n):
        total = tf.constant(0.0)
        for _ in tf.range(n):
          batch = next(it)
          real_x = batch[0]
          total += self.strategy.reduce(tf.distribute.ReduceOp.SUM, self.strategy.run(replica_sum, (real_x,)),
                                        axis=None)
        return total / tf.cast(n * self.global_batch_size, tf.float32)

      self._compiled["mean_real_energy"] = energy_pass
    return float(self._compiled["mean_real_energy"](iterator, tf.constant(int(num_batches))))

  def train_steps(self, iterator, num_steps: int, train_generator: bool = True):
    """Runs `num_steps` train steps in one host call (`host_loop.repeat`); returns the last step's measurements
    (scalar tensors)."""
    key = (num_steps, train_generator)
    if key not in self._compiled:
      self._compiled[key] = host_loop.repeat(lambda it: self._one_step(it, train_generator), num_steps)
    return self._compiled[key](iterator)

  def sample(self, z, labels, use_ema=True):
    """Images from the (EMA) generator in inference mode, float32 in [-1, 1]."""
    generator = self.ema_generator if (use_ema and self.ema_generator is not None) else self.generator
    return tf.cast(generator(z, labels if self.conditional else None, training=False), tf.float32)
