r"""Train-step speed of the 32x32 SAGAN MHGAN at batch 64: float32 / mixed bfloat16, with and without XLA.

A benchmark, not a test: prints steps/s and images/s (D images per second) per configuration.

  python benchmarks/train_step.py [--steps 20] [--warmup 3] [--ch 32] [--configs f32,bf16,f32_xla,bf16_xla]

One "step" is one D step + one G step (MHGAN, 000 §3.1: 1 D step per G step), on synthetic CIFAR-shaped data
(the input pipeline is measured by benchmarks/input_pipeline.py). Compile / trace time is reported separately.
"""

import argparse
import functools
import time

import keras
import tensorflow as tf

from tfgan_mh import losses
from tfgan_mh import models
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer

SHAPE, K, BATCH = (32, 32, 3), 10, 64


def _measure(policy: str, xla: bool, steps: int, warmup: int, ch: int):
  keras.mixed_precision.set_global_policy(policy)
  try:
    strategy = tf.distribute.get_strategy()
    trainer = GANTrainer(
        strategy=strategy,
        make_generator=functools.partial(models.build_generator, arch="sagan", image_shape=SHAPE,
                                         num_classes=K, conditional=True, ch=ch),
        make_discriminator=functools.partial(models.build_discriminator, arch="sagan", image_shape=SHAPE,
                                             num_classes=K, heads=("projection", "classifier"), ch=ch),
        family=losses.get_family("mhinge", num_classes=K),
        make_g_optimizer=lambda: optim.PreReducedAdam(1e-4, beta_1=0.0),
        make_d_optimizer=lambda: optim.PreReducedAdam(4e-4, beta_1=0.0),
        num_classes=K, image_shape=SHAPE, global_batch_size=BATCH, jit_compile=xla)
    x = tf.random.uniform((BATCH,) + SHAPE, -1, 1)
    y = tf.random.uniform((BATCH,), 0, K, tf.int32)
    it = iter(tf.data.Dataset.from_tensors((x, y)).repeat())
    t0 = time.perf_counter()
    trainer.train_steps(it, warmup)["d/loss"].numpy()
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    trainer.train_steps(it, steps)["d/loss"].numpy()
    dt = time.perf_counter() - t0
    g = sum(int(tf.size(v)) for v in trainer.generator.trainable_variables)
    d = sum(int(tf.size(v)) for v in trainer.discriminator.trainable_variables)
    return steps / dt, steps * BATCH / dt, compile_s, g, d
  finally:
    keras.mixed_precision.set_global_policy("float32")


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=20)
  parser.add_argument("--warmup", type=int, default=3)
  parser.add_argument("--ch", type=int, default=64, help="SAGAN channel multiplier")
  parser.add_argument("--configs", default="f32,bf16,f32_xla,bf16_xla")
  args = parser.parse_args()
  table = {"f32": ("float32", False), "bf16": ("mixed_bfloat16", False),
           "f32_xla": ("float32", True), "bf16_xla": ("mixed_bfloat16", True)}
  print(f"SAGAN 32x32 MHGAN, batch {BATCH}, ch {args.ch}, {args.steps} timed steps "
        f"(1 D + 1 G step each), TF {tf.__version__}")
  print(f"{'config':<10} {'steps/s':>8} {'images/s':>9} {'warm-up s':>10} {'G params':>10} {'D params':>10}")
  names = args.configs.split(",")
  bad = [n for n in names if n not in table]
  if bad:
    parser.error(f"unknown config(s) {', '.join(bad)}; valid: {', '.join(table)}")
  for name in names:
    policy, xla = table[name]
    sps, ips, compile_s, g, d = _measure(policy, xla, args.steps, args.warmup, args.ch)
    print(f"{name:<10} {sps:8.2f} {ips:9.1f} {compile_s:10.1f} {g:10,d} {d:10,d}", flush=True)


if __name__ == "__main__":
  main()
