r"""Train-step speed and MFU at PyTorch-StudioGAN's CIFAR-10 MHGAN shape (a benchmark, not a test).

  python benchmarks/train_step.py [--arch sagan|biggan] [--loss mhinge|mh_studiogan] [--ch 96] [--d_ch 48]
                                  [--d_steps 5] [--batch 64] [--iterations 3]
                                  [--configs f32] [--profile DIR [--top 10]] [--inter_op N] [--intra_op N]
                                  [--no_flops]

Default shape: 32x32x3, K = 10, batch 64, SAGAN ResNet G with 4*ch = 384 channels per block, D with
4*d_ch = 192, self-attention at 16 px in both, spectral norm in both, conditional BN, the MH loss
(`mhinge`, projection + classifier heads), 5 D steps per G step. One *iteration* = d_steps D steps + 1 G
step, on synthetic CIFAR-shaped data (the input pipeline is benchmarks/input_pipeline.py's).
`--arch biggan --loss mh_studiogan` is exactly StudioGAN's CIFAR-10 MHGAN.yaml model and loss: BigGAN (G 384
channels per block, D 2*d_ch = 192 with the default d_ch 96 for biggan, z 80, shared embedding 128), one K+1 head,
the G step also runs D on a real batch for feature matching.

Prints, per configuration: seconds / iteration (median of the timed iterations, and the best), images
through G / s ((d_steps + 1) * batch per iteration), model GFLOP/s and MFU = model GFLOP/s / the float32
matmul GFLOP/s measured in this process (2048^3, best of 5, before and after the timed iterations; the
larger is used). Model FLOPs per iteration are counted from the step graphs by TF's profiler (all ops with
a registered count) on the architecture as written (G upsamples, then convolves: what PyTorch-StudioGAN
executes); the dense part (convolutions, matmuls) is checked against an independent count from the forward
graphs of G and D times the passes of an iteration (`tfgan_mh.training.flops`); "MFU analytic" uses that count
(1.2 % lower at the default shape: the G step's graph also holds D's weight gradients, which TF prunes).
The step function's trace count is printed too (1: no retracing). Configurations:
  f32 / bf16         float32 / mixed bfloat16, G's conv(upsample(h)) as a stride-2 transposed conv (the
                     library's default: the same function with fewer executed FLOPs, also printed)
  f32_naive / bf16_naive   upsample, then convolve (the FLOPs the model is credited with)
  f32_xla / bf16_xla       XLA-compiled step

`--profile DIR` writes a TensorBoard profiler trace of one iteration (open with TensorBoard's profile
plugin) per configuration, in DIR/<config>, and prints its `--top` op types by time (summed over threads).
"""

import argparse
import collections
import functools
import glob
import os
import statistics
import time

import tfgan_mh  # noqa: F401  before TensorFlow, as the CLIs: its CPU choices (oneDNN, tfgan_mh.cpu) apply
import keras
import tensorflow as tf

import experiment_speed  # pylint: disable=g-import-not-at-top  (benchmarks/, beside this script)
from tfgan_mh import losses
from tfgan_mh import models
from tfgan_mh.training import flops
from tfgan_mh.training import optim
from tfgan_mh.training import precision
from tfgan_mh.training.step import GANTrainer

SHAPE, K = (32, 32, 3), 10
# name -> (Keras policy, XLA, how G computes conv(upsample(h)): see tfgan_mh.models.layers.GBlock)
CONFIGS = {"f32": ("float32", False, "transposed"), "f32_naive": ("float32", False, "naive"),
           "bf16": ("mixed_bfloat16", False, "transposed"), "bf16_naive": ("mixed_bfloat16", False, "naive"),
           "f32_xla": ("float32", True, "transposed"), "bf16_xla": ("mixed_bfloat16", True, "transposed")}


LOSSES = {"mhinge": (("projection", "classifier"), "mhinge", {}),
          "mh_studiogan": (("kplus1",), "mhinge_kplus1_fm", dict(g_aux_weight=0.05, fm_distance="mean_abs"))}


def build_trainer(args, xla: bool = False, upsample_conv: str = "naive") -> GANTrainer:
  # upsample_conv is passed only when it is not the library's default, so the script also times a library
  # from before the option (a checkout on PYTHONPATH: its own default).
  g_kwargs = {} if upsample_conv == "transposed" else dict(upsample_conv=upsample_conv)
  heads, family, family_kwargs = LOSSES[args.loss]
  return GANTrainer(
      strategy=tf.distribute.get_strategy(),
      make_generator=functools.partial(models.build_generator, arch=args.arch, image_shape=SHAPE,
                                       num_classes=K, conditional=True, ch=args.ch, **g_kwargs),
      make_discriminator=functools.partial(models.build_discriminator, arch=args.arch, image_shape=SHAPE,
                                           num_classes=K, heads=heads, ch=args.d_ch),
      family=losses.get_family(family, num_classes=K, **family_kwargs),
      make_g_optimizer=lambda: optim.PreReducedAdam(2e-4, beta_1=0.5),
      make_d_optimizer=lambda: optim.PreReducedAdam(2e-4, beta_1=0.5),
      num_classes=K, image_shape=SHAPE, global_batch_size=args.batch, d_steps=args.d_steps,
      jit_compile=xla)


def count_flops(trainer: GANTrainer, batch: int, d_steps: int):
  """(graph FLOPs, graph dense FLOPs, analytic dense FLOPs) of one iteration."""
  x = tf.TensorSpec((batch,) + SHAPE, tf.float32)
  y = tf.TensorSpec((batch,), tf.int32)
  d_graph = trainer._d_replica.get_concrete_function(x, y).graph  # pylint: disable=protected-access
  g_graph = trainer._g_replica.get_concrete_function(x, y).graph  # pylint: disable=protected-access
  total = d_steps * flops.graph_flops(d_graph) + flops.graph_flops(g_graph)
  dense = d_steps * flops.dense_flops(d_graph) + flops.dense_flops(g_graph)
  g_fwd, d_fwd, d_fwd2 = (flops.dense_flops(g) for g in flops.forward_graphs(
      trainer.generator, trainer.discriminator, batch=batch, conditional=True, image_shape=SHAPE))
  return total, dense, flops.analytic_iteration_flops(g_fwd, d_fwd, d_fwd2, d_steps,
                                                      g_step_real="real" in trainer.generator_needs)


def top_ops(logdir: str, n: int = 10):
  """[(op type, self seconds, share)] of the n most expensive op types in the newest trace under logdir."""
  from tensorflow.tsl.profiler.protobuf import xplane_pb2  # pylint: disable=g-import-not-at-top
  path = sorted(glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb")))[-1]
  space = xplane_pb2.XSpace()
  with open(path, "rb") as f:
    space.ParseFromString(f.read())
  totals = collections.Counter()
  for plane in space.planes:
    if not plane.name.startswith("/host:CPU"):
      continue
    names = {k: m.name for k, m in plane.event_metadata.items()}
    for line in plane.lines:
      if not line.name.startswith("tf_") and "Thread" not in line.name and "Eigen" not in line.name:
        continue
      for event in line.events:
        name = names.get(event.metadata_id, "")
        if ":" in name and "::" not in name:  # executor op events are "op_name:OpType"
          totals[name.rsplit(":", 1)[1]] += event.duration_ps / 1e12
  whole = sum(totals.values()) or 1.0
  return [(op, s, s / whole) for op, s in totals.most_common(n)]


def measure(args, name: str):
  """(seconds of each timed iteration, warm-up seconds, FLOPs of its own graph per iteration or None)."""
  policy, xla, upsample_conv = CONFIGS[name]
  keras.mixed_precision.set_global_policy(policy)
  try:
    trainer = build_trainer(args, xla, upsample_conv)
    x = tf.random.uniform((args.batch,) + SHAPE, -1, 1)
    y = tf.random.uniform((args.batch,), 0, K, tf.int32)
    it = iter(tf.data.Dataset.from_tensors((x, y)).repeat())
    t0 = time.perf_counter()
    trainer.train_steps(it, 1)["d/loss"].numpy()  # traces, compiles, runs one iteration
    warmup = time.perf_counter() - t0
    times = []
    for _ in range(args.iterations):
      t0 = time.perf_counter()
      trainer.train_steps(it, 1)["d/loss"].numpy()
      times.append(time.perf_counter() - t0)
    if args.profile:
      tf.profiler.experimental.start(os.path.join(args.profile, name))
      trainer.train_steps(it, 1)["d/loss"].numpy()
      tf.profiler.experimental.stop()
    traces = trainer._compiled[(1, True)].step.experimental_get_tracing_count()  # pylint: disable=protected-access
    calls = args.iterations + 1 + bool(args.profile)
    print(f"  {policy}: the step function was traced {traces} time(s) over {calls} calls", flush=True)
    executed = None if args.no_flops else count_flops(trainer, args.batch, args.d_steps)[0]
    return times, warmup, executed
  finally:
    keras.mixed_precision.set_global_policy("float32")


def parse_args():
  """The flags, checked (one-line argparse errors), and the list of configuration names."""
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--arch", default="sagan", choices=("sagan", "biggan"), help="G and D architecture")
  parser.add_argument("--loss", default="mhinge", choices=tuple(LOSSES),
                      help="mhinge: the MHGAN of Kavalerov et al. 2019 (projection + classifier); mh_studiogan: "
                           "StudioGAN's K+1 MH + FM")
  parser.add_argument("--ch", type=int, default=96, help="G channel multiplier (4*ch channels per block)")
  parser.add_argument("--d_ch", type=int, default=None,
                      help="D channel multiplier (sagan: 4*d_ch channels per block, default 48; biggan: 2*d_ch, "
                           "default 96)")
  parser.add_argument("--d_steps", type=int, default=5, help="D steps per G step")
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--iterations", type=int, default=3, help="timed iterations after one warm-up")
  parser.add_argument("--configs", default="f32", help=f"comma-separated, from {','.join(CONFIGS)}")
  parser.add_argument("--profile", default=None, help="write a profiler trace of one iteration here")
  parser.add_argument("--top", type=int, default=10, help="op types to print from the profile")
  parser.add_argument("--no_flops", action="store_true", help="skip the FLOP count (no GFLOP/s, no MFU)")
  parser.add_argument("--config", default=None,
                      help="time a packaged experiment as a run executes it instead of the StudioGAN shape, e.g. "
                           "mnist_mhinge_cpu (benchmarks/experiment_speed.py)")
  parser.add_argument("--gin_param", action="append", default=[], help="--config: a gin binding (repeatable)")
  parser.add_argument("--loop_steps", type=int, default=100, help="--config: train steps per timed host call")
  parser.add_argument("--compare_with", default=None,
                      help="--config: another tfgan_mh checkout to time back to back with this one")
  parser.add_argument("--pairs", type=int, default=2, help="--compare_with: alternating pairs of runs")
  parser.add_argument("--json", action="store_true", help="--config: also print the figures as one JSON line")
  parser.add_argument("--inter_op", type=int, default=0, help="TF inter-op threads (0: TF's default)")
  parser.add_argument("--intra_op", type=int, default=0, help="TF intra-op threads (0: TF's default)")
  args = parser.parse_args()
  if args.d_ch is None:
    args.d_ch = 48 if args.arch == "sagan" else 96
  names = args.configs.split(",")
  bad = [n for n in names if n not in CONFIGS]
  if bad:
    parser.error(f"unknown config(s) {', '.join(bad)}; valid: {', '.join(CONFIGS)}")
  if args.config is not None:
    from tfgan_mh import cli  # pylint: disable=g-import-not-at-top
    # A checkout older than packaged_gin_names (timed by --compare_with) is not checked here: its own parse fails.
    names_of = getattr(cli, "packaged_gin_names", lambda folder: [f"{folder}/{args.config}"])
    valid = [n.split("/", 1)[1] for n in names_of("experiments")]
    if args.config not in valid:
      parser.error(f"--config={args.config!r}: not a packaged experiment; valid: {', '.join(valid)}")
    if args.compare_with is not None and not os.path.isdir(os.path.join(args.compare_with, "tfgan_mh")):
      parser.error(f"--compare_with={args.compare_with!r}: not a tfgan_mh checkout (no tfgan_mh/ folder in it)")
  for flag in ("ch", "d_ch", "d_steps", "batch", "iterations", "loop_steps", "pairs"):
    if getattr(args, flag) < 1:
      parser.error(f"--{flag}={getattr(args, flag)}: must be a positive integer")
  for flag in ("inter_op", "intra_op"):
    if getattr(args, flag) < 0:
      parser.error(f"--{flag}={getattr(args, flag)}: must be >= 0 (0: TF's default)")
  return args, names


def report(args, results, counts, rate):
  """Prints the table of the measured configurations, the FLOP counts and the profiles' top op types."""
  print(f"float32 matmul rate used for MFU (best before / after): {rate:.1f} GFLOP/s")
  print(f"{'config':<11} {'s/iter':>7} {'best':>7} {'G img/s':>8} {'model GFLOP/s':>14} {'MFU':>6} "
        f"{'MFU analytic':>13} {'own graph GFLOP/it':>19}")
  for name, times, own in results:
    med = statistics.median(times)
    images = (args.d_steps + 1) * args.batch / med
    if counts is None:
      print(f"{name:<11} {med:7.2f} {min(times):7.2f} {images:8.2f}")
      continue
    model, analytic = counts[0] / 1e9, counts[2] / 1e9
    print(f"{name:<11} {med:7.2f} {min(times):7.2f} {images:8.2f} {model / med:14.1f} {model / med / rate:6.3f} "
          f"{analytic / med / rate:13.3f} {own / 1e9:19.0f}")
  if counts is not None:
    total, dense, analytic = counts
    print(f"model FLOPs per iteration: graph (TF profiler, all ops) {total / 1e9:.1f} G; dense ops in the step "
          f"graphs {dense / 1e9:.1f} G; analytic from the forward graphs x passes {analytic / 1e9:.1f} G "
          f"(dense graph / analytic = {dense / analytic:.4f}: the G step's graph also holds D's weight gradients, "
          "which TF prunes as unused). A configuration's own graph has fewer FLOPs where G computes conv(upsample(h)) "
          "as a transposed conv.")
  for name, _, _ in results if args.profile else ():
    logdir = os.path.join(args.profile, name)
    print(f"{name}: profile of one iteration in {logdir}; op types by time (summed over threads):")
    for op, seconds, share in top_ops(logdir, args.top):
      print(f"  {op:<32} {seconds:8.2f} s {100 * share:5.1f} %")


def main():
  args, names = parse_args()
  tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)  # before the runtime starts
  tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
  if args.config is not None:
    experiment_speed.main(args)
    return

  bf16 = (any(n.startswith("bf16") for n in names)
          and precision.onednn_isa_cap() not in precision.ISA_CAPS_WITHOUT_BF16)  # else TF crashes at a bf16 matmul
  rate_before = {"f32": flops.matmul_rate(tf.float32), "bf16": flops.matmul_rate(tf.bfloat16) if bf16 else None}
  onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")
  print(f"TF {tf.__version__}, {os.cpu_count()} CPUs, inter-op threads {args.inter_op or 'default'}, intra-op "
        f"{args.intra_op or 'default'}, TF_ENABLE_ONEDNN_OPTS={onednn}; 2048^3 matmul: "
        f"float32 {rate_before['f32']:.1f} "
        "GFLOP/s, bfloat16 " + (f"{rate_before['bf16']:.1f} GFLOP/s" if bf16 else "not measured"), flush=True)
  print(f"library: {os.path.dirname(os.path.dirname(models.__file__))}")
  d_mult = 4 if args.arch == "sagan" else 2
  print(f"{args.arch} 32x32, loss {args.loss}, batch {args.batch}, G ch {args.ch} ({4 * args.ch} per block), D ch "
        f"{args.d_ch} ({d_mult * args.d_ch} per block), {args.d_steps} D + 1 G step per iteration", flush=True)
  counts = None
  if not args.no_flops:  # model FLOPs: the architecture as written (upsample, then conv), float32
    counts = count_flops(build_trainer(args), args.batch, args.d_steps)
  results = []
  for name in names:
    times, warmup, own = measure(args, name)
    results.append((name, times, own))
    print(f"  {name}: iterations {', '.join(f'{t:.2f}' for t in times)} s; warm-up {warmup:.1f} s", flush=True)
  report(args, results, counts, max(rate_before["f32"], flops.matmul_rate(tf.float32)))


if __name__ == "__main__":
  main()
