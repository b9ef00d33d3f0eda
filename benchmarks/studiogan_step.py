r"""PyTorch-StudioGAN's own CIFAR-10 MHGAN training iteration, timed on CPU (a benchmark, not a test).

  /tmp/torchvenv/bin/python benchmarks/studiogan_step.py --studiogan_dir DIR [--iterations 3] [--batch 64]
                                                         [--d_steps 5] [--threads N] [--fm] [--ema]
                                                         [--g_conv_dim 96] [--d_conv_dim 96] [--json]

The counterpart of `benchmarks/train_step.py --arch biggan --loss mh_studiogan` (docs/benchmarks.md, "Train-step
speed and MFU"): the same iteration, run by StudioGAN's own code in PyTorch, so the two can be timed back to back.
This script imports neither TensorFlow nor tfgan_mh: it runs in a virtual environment of its own with torch.

What is timed. One *iteration* = `--d_steps` D steps + 1 G step on synthetic CIFAR-shaped data (32x32x3, K = 10,
batch 64, uniform in [-1, 1]), one warm-up iteration, then `--iterations` timed ones. The model is StudioGAN's
`src/models/big_resnet.py` Generator / Discriminator at its `src/configs/CIFAR10/MHGAN.yaml` settings (z_dim 80,
g_shared_dim 128, g_conv_dim 96, d_conv_dim 96, self-attention at G loc [2] and D loc [1], spectral norm in G and
D, conditional BN, the K+1 "MH" D head), built as `src/models/model.py` `load_generator_discriminator` builds it,
with the MODULES of `src/config.py` `Configurations.define_modules` (ops.snconv2d / snlinear / sn_embedding,
ops.ConditionalBatchNorm2d, nn.ReLU(inplace=True)). When `config.py` imports (it needs torchvision, scipy,
seaborn, matplotlib, tqdm, kornia), `Configurations(MHGAN.yaml)` itself is used, with its `define_optimizer`;
otherwise the yaml is read with PyYAML onto config.py's defaults and MODULES / Adam are built as those functions
do (the line "configuration:" says which). Loss and optimizer: `utils/losses.py` `crammer_singer_loss` (adv_loss
"MH", mh_lambda 0.05), `feature_matching_loss` with `--fm` (apply_fm, fm_lambda 1.0), Adam lr 2e-4 for both,
betas (0.5, 0.999), eps 1e-6 (define_optimizer's for non-StyleGAN backbones), no weight decay, float32, no
augmentation; `--ema` adds `utils/ema.py` `Ema` (decay 0.9999, start 1000) after the G step. MHGAN.yaml turns
FM and EMA on; both are off by default here. train_step.py's `mh_studiogan` always runs FM (its loss family
includes it) and has no EMA: `--fm` without `--ema` is the identical computation.

The steps replicate `src/worker.py` `WORKER.train_discriminator` and `WORKER.train_generator` for this config
(d_first, acml_steps 1, no mixed precision, no DDP): `misc.make_GAN_trainable`, `misc.toggle_grad` (G frozen in
the D step, D frozen in the G step), G's BN statistics untracked in the D step (`misc.untrack_bn_statistics`) and
tracked in the G step; z ~ N(0, I), labels uniform (`utils/sample.py` `generate_images`, "totally_random"); D
loss = CS(D(x_real), y_real) + CS(D(G(z)), K) (`self.lossy`); G loss = mh_lambda * CS(D(G(z)), y_fake)
[+ fm_lambda * FM(D(x_real).h detached, D(G(z)).h)]. Not replicated: the data loader (a fixed in-memory basket
of d_steps batches, split as `sample_data_basket` splits it; the FM real batch is its first batch), the
DataParallel wrapper of a non-DDP run (a pass-through on one device), logging.

Printed: the CPU's model and its avx2 / fma / avx512* / amx* flags, torch's version, `torch.get_num_threads()`
and `torch.backends.cpu.get_cpu_capability()`; G and D parameter counts (as `misc.count_parameters`: all
parameters, spectral norm's u / v are buffers; tfgan_mh's biggan / mh_studiogan model has the same counts, G
9,416,196 and D 2,415,180 at the default size); seconds per timed iteration, their median and best, images
through G per second ((d_steps + 1) * batch / median), and torch's float32 2048^3 matmul GFLOP/s (best of 5,
before and after the timed iterations; the larger is printed, as train_step.py does for TF).

Set-up (the torch CPU wheel in its own venv, never in the TF venv; a StudioGAN checkout):
  python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install "torch==2.13.0+cpu" numpy pyyaml
    (or: /tmp/torchvenv/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch; then numpy pyyaml)
  git clone https://github.com/POSTECH-CVLab/PyTorch-StudioGAN /tmp/studiogan   (or `git archive` of a mirror)
StudioGAN's `src/` goes on sys.path. Its utils/misc.py (imported by big_resnet.py) needs torchvision etc.: when
it does not import, a stand-in module with the one name big_resnet uses (`dummy_context_mgr`) takes its place;
recent setuptools (84 in the venv above) has no `pkg_resources`, which utils/losses.py imports through
utils/style_ops/conv2d_gradfix.py (unused here): a stand-in with `parse_version` takes its place when missing.

Back to back with ours (same machine, nothing else running, same thread count):
  python benchmarks/train_step.py --arch biggan --loss mh_studiogan --iterations 3
  /tmp/torchvenv/bin/python benchmarks/studiogan_step.py --studiogan_dir /tmp/studiogan --iterations 3 --fm
(`--fm --ema` times StudioGAN's full MHGAN.yaml step.)
On an AVX-512 machine, to time torch as on an AVX2 one: `ATEN_CPU_CAPABILITY=avx2` (ATen's own kernels; the
capability line shows it), and for its oneDNN convolutions and MKL matmuls `ONEDNN_MAX_CPU_ISA=AVX2
MKL_ENABLE_INSTRUCTIONS=AVX2` (the header prints these variables).
"""

import argparse
import copy
import importlib
import json
import os
import re
import statistics
import sys
import time
import types

try:
  import torch
except ImportError:
  sys.stderr.write(f"{os.path.basename(sys.argv[0])}: error: no torch in {sys.executable}; run it with the torch "
                   "venv's python (see the set-up in this script's docstring)\n")
  sys.exit(2)

K = 10
ISA_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "OMP_NUM_THREADS")
# config.py load_base_cfgs defaults that big_resnet's constructors read and MHGAN.yaml does not set.
MODEL_DEFAULTS = dict(backbone="resnet", g_cond_mtd="W/O", d_cond_mtd="W/O", aux_cls_type="W/O",
                      normalize_d_embed=False, d_embed_dim="N/A", apply_g_sn=False, apply_d_sn=False,
                      g_act_fn="ReLU", d_act_fn="ReLU", apply_attn=False, attn_g_loc=["N/A"], attn_d_loc=["N/A"],
                      z_prior="gaussian", z_dim=128, g_shared_dim="N/A", g_conv_dim=64, d_conv_dim=64,
                      g_depth="N/A", d_depth="N/A", apply_g_ema=False, g_ema_decay="N/A", g_ema_start="N/A",
                      g_init="ortho", d_init="ortho", info_type="N/A", g_info_injection="N/A")
OPTIMIZATION_DEFAULTS = dict(type_="Adam", batch_size=64, acml_steps=1, g_lr=0.0002, d_lr=0.0002,
                             g_weight_decay=0.0, d_weight_decay=0.0, beta1=0.5, beta2=0.999,
                             d_updates_per_step=5, g_updates_per_step=1)


def cpu_summary() -> str:
  """The CPU's model name and its SIMD flags that decide the kernels' speed (from /proc/cpuinfo)."""
  model, flags = "unknown CPU", set()
  try:
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
      for line in f:
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model == "unknown CPU":
          model = value.strip()
        elif key.strip() == "flags" and not flags:
          flags = set(value.split())
  except OSError:
    pass
  shown = sorted(f for f in flags if f in ("avx2", "fma") or f.startswith(("avx512", "amx")))
  return f"{model}, {os.cpu_count()} CPUs, flags: {' '.join(shown) or 'none of avx2/fma/avx512/amx'}"


def _shim_pkg_resources():
  """A stand-in `pkg_resources` (only `parse_version`) where setuptools has none; returns whether it was needed."""
  try:
    importlib.import_module("pkg_resources")
    return False
  except ImportError:
    pass
  shim = types.ModuleType("pkg_resources")
  shim.parse_version = lambda v: tuple(int(n) for n in re.findall(r"\d+", str(v))[:3])
  sys.modules["pkg_resources"] = shim
  return True


def import_studiogan(studiogan_dir: str):
  """StudioGAN's modules from DIR/src: (Configurations or None, ops, losses, big_resnet, ema, notes)."""
  sys.path.insert(0, os.path.join(os.path.abspath(studiogan_dir), "src"))
  notes = ["pkg_resources stand-in"] if _shim_pkg_resources() else []
  try:
    configurations = importlib.import_module("config").Configurations
  except ImportError as e:  # torchvision, scipy, seaborn, ... not installed
    configurations = None
    notes.append(f"config.py not importable ({e})")
  try:
    importlib.import_module("utils.misc")
  except ImportError:
    misc = types.ModuleType("utils.misc")
    misc.__doc__ = "stand-in for StudioGAN's utils/misc.py: the one name models/big_resnet.py uses"

    class dummy_context_mgr:  # pylint: disable=invalid-name  (utils/misc.py's, as written there)
      def __enter__(self):
        return None

      def __exit__(self, exc_type, exc_value, traceback):
        return False

    misc.dummy_context_mgr = dummy_context_mgr
    sys.modules["utils.misc"] = misc
    setattr(importlib.import_module("utils"), "misc", misc)
    notes.append("utils.misc stand-in (dummy_context_mgr only)")
  modules = [importlib.import_module(m) for m in ("utils.ops", "utils.losses", "models.big_resnet", "utils.ema")]
  return (configurations, *modules, notes)


def _namespace(defaults, yaml_values):
  ns = types.SimpleNamespace(**defaults)
  for key, value in (yaml_values or {}).items():
    setattr(ns, key, value)
  return ns


def define_modules(model, ops):
  """config.py Configurations.define_modules for SN in G and D, cBN, ReLU (what MHGAN.yaml selects)."""
  if not (model.apply_g_sn and model.apply_d_sn and model.g_act_fn == "ReLU" and model.d_act_fn == "ReLU"):
    raise ValueError("only MHGAN.yaml's modules (SN in G and D, ReLU) are built without config.py")
  return types.SimpleNamespace(
      g_conv2d=ops.snconv2d, g_deconv2d=ops.sndeconv2d, g_linear=ops.snlinear, g_embedding=ops.sn_embedding,
      d_conv2d=ops.snconv2d, d_deconv2d=ops.sndeconv2d, d_linear=ops.snlinear, d_embedding=ops.sn_embedding,
      g_bn=ops.ConditionalBatchNorm2d, g_act_fn=torch.nn.ReLU(inplace=True), d_act_fn=torch.nn.ReLU(inplace=True))


def studiogan_config(args, configurations, ops):
  """(DATA, MODEL, LOSS, OPTIMIZATION, MODULES, Configurations object or None, description) with the flags."""
  path = os.path.join(os.path.abspath(args.studiogan_dir), "src", "configs", "CIFAR10", "MHGAN.yaml")
  if configurations is not None:
    cfgs = configurations(path)
    data, model, loss, opt, modules = cfgs.DATA, cfgs.MODEL, cfgs.LOSS, cfgs.OPTIMIZATION, cfgs.MODULES
    how = f"config.Configurations({path})"
  else:
    import yaml  # pylint: disable=g-import-not-at-top
    with open(path, encoding="utf-8") as f:
      values = yaml.safe_load(f)
    cfgs = None
    data = _namespace(dict(name="CIFAR10", img_size=32, num_classes=10, img_channels=3), values.get("DATA"))
    model = _namespace(MODEL_DEFAULTS, values.get("MODEL"))
    loss = _namespace(dict(adv_loss="vanilla", mh_lambda="N/A", apply_fm=False, fm_lambda="N/A"), values.get("LOSS"))
    opt = _namespace(OPTIMIZATION_DEFAULTS, values.get("OPTIMIZATION"))
    modules = define_modules(model, ops)
    how = f"{path} read with PyYAML onto config.py's defaults; MODULES as config.py define_modules builds them"
  if (model.backbone, model.d_cond_mtd, loss.adv_loss) != ("big_resnet", "MH", "MH"):
    raise ValueError(f"{path}: not big_resnet with the MH head and loss")
  model.g_conv_dim, model.d_conv_dim, model.apply_g_ema = args.g_conv_dim, args.d_conv_dim, args.ema
  loss.apply_fm = args.fm
  opt.batch_size, opt.d_updates_per_step = args.batch, args.d_steps
  if opt.acml_steps != 1 or opt.g_updates_per_step != 1 or opt.type_ != "Adam":
    raise ValueError("only acml_steps 1, g_updates_per_step 1 and Adam are replicated")
  return data, model, loss, opt, modules, cfgs, how


def build_models(data, model, modules, big_resnet, ema_module):
  """models/model.py load_generator_discriminator for a big_resnet backbone: (Gen, Dis, Gen_ema, ema)."""
  gen = big_resnet.Generator(z_dim=model.z_dim, g_shared_dim=model.g_shared_dim, img_size=data.img_size,
                             g_conv_dim=model.g_conv_dim, apply_attn=model.apply_attn, attn_g_loc=model.attn_g_loc,
                             g_cond_mtd=model.g_cond_mtd, num_classes=data.num_classes, g_init=model.g_init,
                             g_depth=model.g_depth, mixed_precision=False, MODULES=modules, MODEL=model)
  dis = big_resnet.Discriminator(img_size=data.img_size, d_conv_dim=model.d_conv_dim, apply_d_sn=model.apply_d_sn,
                                 apply_attn=model.apply_attn, attn_d_loc=model.attn_d_loc,
                                 d_cond_mtd=model.d_cond_mtd, aux_cls_type=model.aux_cls_type,
                                 d_embed_dim=model.d_embed_dim, normalize_d_embed=model.normalize_d_embed,
                                 num_classes=data.num_classes, d_init=model.d_init, d_depth=model.d_depth,
                                 mixed_precision=False, MODULES=modules, MODEL=model)
  gen_ema, ema = None, None
  if model.apply_g_ema:
    gen_ema = copy.deepcopy(gen)
    ema = ema_module.Ema(source=gen, target=gen_ema, decay=model.g_ema_decay, start_iter=model.g_ema_start)
  return gen, dis, gen_ema, ema


def build_optimizers(opt, cfgs, gen, dis):
  """config.py Configurations.define_optimizer for Adam and a non-StyleGAN backbone (eps 1e-6)."""
  if cfgs is not None:
    cfgs.define_optimizer(gen, dis)
    return opt.g_optimizer, opt.d_optimizer
  betas = [opt.beta1, opt.beta2]
  return (torch.optim.Adam(params=list(gen.parameters()), lr=opt.g_lr, betas=betas,
                           weight_decay=opt.g_weight_decay, eps=1e-6),
          torch.optim.Adam(params=list(dis.parameters()), lr=opt.d_lr, betas=betas,
                           weight_decay=opt.d_weight_decay, eps=1e-6))


def _set_bn_tracking(track: bool):
  def fn(m):  # utils/misc.py track_bn_statistics / untrack_bn_statistics
    if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):  # pylint: disable=protected-access
      m.track_running_stats = track
  return fn


class StudioGANIteration:
  """src/worker.py's WORKER.train_discriminator + train_generator for MHGAN.yaml (d_first, one device, float32)."""

  def __init__(self, data, model, loss, opt, nets, optimizers, losses):
    self.gen, self.dis, self.gen_ema, self.ema = nets
    self.g_opt, self.d_opt = optimizers
    self.model, self.loss, self.opt, self.losses = model, loss, opt, losses
    self.num_classes = data.num_classes
    self.lossy = torch.LongTensor(opt.batch_size)  # worker.py __init__: the K+1-th class for fakes
    self.lossy.data.fill_(data.num_classes)
    n = opt.batch_size * opt.d_updates_per_step  # one loader batch of the basket size (loader.py basket_size)
    basket = (torch.rand(n, data.img_channels, data.img_size, data.img_size) * 2 - 1,
              torch.randint(0, data.num_classes, (n,), dtype=torch.long))
    self.basket = [torch.split(t, opt.batch_size) for t in basket]  # worker.py sample_data_basket

  def _trainable(self, d_grad: bool):
    """misc.make_GAN_trainable, then misc.toggle_grad(Gen, not d_grad) and toggle_grad(Dis, d_grad)."""
    for net in (self.gen, self.gen_ema, self.dis):
      if net is not None:
        net.train()
        net.apply(_set_bn_tracking(True))
    for net, grad in ((self.gen, not d_grad), (self.dis, d_grad)):
      for param in net.parameters():
        param.requires_grad = grad

  def _generate(self):
    """utils/sample.py generate_images, is_train: z ~ N(0, I) (truncation -1), y 'totally_random'."""
    labels = torch.randint(low=0, high=self.num_classes, size=(self.opt.batch_size,), dtype=torch.long)
    zs = torch.randn(self.opt.batch_size, self.model.z_dim)
    return self.gen(zs, labels, eval=False), labels

  def train_discriminator(self):
    self._trainable(d_grad=True)
    self.gen.apply(_set_bn_tracking(False))  # DDP * mixed_precision * synchronized_bn == 0
    images, labels = self.basket
    for step_index in range(self.opt.d_updates_per_step):
      self.d_opt.zero_grad()
      fake_images, fake_labels = self._generate()
      real_dict = self.dis(images[step_index], labels[step_index])
      fake_dict = self.dis(fake_images, fake_labels, adc_fake=False)
      dis_acml_loss = self.losses.crammer_singer_loss(DDP=False, **real_dict)
      dis_acml_loss += self.losses.crammer_singer_loss(fake_dict["adv_output"], self.lossy, DDP=False)
      dis_acml_loss = dis_acml_loss / self.opt.acml_steps
      dis_acml_loss.backward()
      self.d_opt.step()
    return dis_acml_loss

  def train_generator(self, current_step: int):
    self._trainable(d_grad=False)
    self.g_opt.zero_grad()
    fake_images, fake_labels = self._generate()
    fake_dict = self.dis(fake_images, fake_labels)
    gen_acml_loss = self.loss.mh_lambda * self.losses.crammer_singer_loss(DDP=False, **fake_dict)
    if self.loss.apply_fm:
      real_dict = self.dis(self.basket[0][0], self.basket[1][0])
      mean_match_loss = self.losses.feature_matching_loss(real_dict["h"].detach(), fake_dict["h"])
      gen_acml_loss += self.loss.fm_lambda * mean_match_loss
    gen_acml_loss = gen_acml_loss / self.opt.acml_steps
    gen_acml_loss.backward()
    self.g_opt.step()
    if self.model.apply_g_ema:
      self.ema.update(current_step)
    return gen_acml_loss

  def __call__(self, current_step: int):
    """One iteration (loader.py's training loop, d_first): (D loss, G loss) of its last steps."""
    d_loss = self.train_discriminator()
    g_loss = self.train_generator(current_step)
    return d_loss.item(), g_loss.item()


def matmul_rate(n: int = 2048, repeats: int = 5) -> float:
  """torch's float32 n^3 matmul GFLOP/s on this CPU, best of `repeats` after one warm-up."""
  a, b = torch.randn(n, n), torch.randn(n, n)
  torch.mm(a, b)
  best = float("inf")
  for _ in range(repeats):
    t0 = time.perf_counter()
    torch.mm(a, b)
    best = min(best, time.perf_counter() - t0)
  return 2 * n ** 3 / best / 1e9


def parse_args():
  """The flags, checked: one-line errors, exit status 2."""
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--studiogan_dir", required=True, help="a PyTorch-StudioGAN checkout (its src/ is imported)")
  parser.add_argument("--iterations", type=int, default=3, help="timed iterations after one warm-up")
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--d_steps", type=int, default=5, help="D steps per G step")
  parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads")
  parser.add_argument("--fm", action="store_true", help="feature matching in the G step (apply_fm, fm_lambda 1.0)")
  parser.add_argument("--ema", action="store_true", help="G's EMA update after the G step (decay 0.9999)")
  parser.add_argument("--g_conv_dim", type=int, default=96, help="G channel multiplier (4x per block)")
  parser.add_argument("--d_conv_dim", type=int, default=96, help="D channel multiplier (2x per block)")
  parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
  args = parser.parse_args()

  def fail(msg):
    parser.exit(2, f"{parser.prog}: error: {msg}\n")

  model_file = os.path.join(args.studiogan_dir, "src", "models", "big_resnet.py")
  if not os.path.isfile(model_file):
    fail(f"--studiogan_dir={args.studiogan_dir!r}: not a PyTorch-StudioGAN checkout (no {model_file})")
  for flag in ("iterations", "batch", "d_steps", "threads", "g_conv_dim", "d_conv_dim"):
    if getattr(args, flag) < 1:
      fail(f"--{flag}={getattr(args, flag)}: must be a positive integer")
  return args


def report(args, figures):
  """Prints the figures (and the JSON line with --json)."""
  times = figures["iterations_s"]
  print(f"  iterations {', '.join(f'{t:.2f}' for t in times)} s; warm-up {figures['warmup_s']:.1f} s")
  print(f"float32 matmul rate (torch, 2048^3, best before / after): {figures['matmul_gflops']:.1f} GFLOP/s")
  print(f"{'library':<18} {'s/iter':>7} {'best':>7} {'G img/s':>8}")
  print(f"{'PyTorch-StudioGAN':<18} {figures['median_s']:7.2f} {figures['best_s']:7.2f} "
        f"{figures['images_per_s']:8.2f}")
  if args.json:
    print(json.dumps(figures))


def main():
  args = parse_args()
  torch.set_num_threads(args.threads)
  isa = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in ISA_VARIABLES)
  print(f"CPU: {cpu_summary()}")
  print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, CPU capability "
        f"{torch.backends.cpu.get_cpu_capability()}; {isa}", flush=True)
  rate_before = matmul_rate()
  configurations, ops, losses, big_resnet, ema_module, notes = import_studiogan(args.studiogan_dir)
  data, model, loss, opt, modules, cfgs, how = studiogan_config(args, configurations, ops)
  print(f"StudioGAN: {os.path.dirname(os.path.dirname(os.path.abspath(big_resnet.__file__)))}"
        f"{' (' + '; '.join(notes) + ')' if notes else ''}")
  print(f"configuration: {how}")
  torch.manual_seed(0)
  nets = build_models(data, model, modules, big_resnet, ema_module)
  g_params, d_params = (sum(p.data.nelement() for p in net.parameters()) for net in nets[:2])
  print(f"big_resnet 32x32, K {data.num_classes}, z {model.z_dim}, shared {model.g_shared_dim}, G conv dim "
        f"{model.g_conv_dim} ({4 * model.g_conv_dim} per block), D conv dim {model.d_conv_dim} "
        f"({2 * model.d_conv_dim} per block), attention G {model.attn_g_loc} D {model.attn_d_loc}; loss MH "
        f"(mh_lambda {loss.mh_lambda}), FM {'on (fm_lambda ' + str(loss.fm_lambda) + ')' if loss.apply_fm else 'off'}"
        f", EMA {'on' if model.apply_g_ema else 'off'}; batch {opt.batch_size}, {opt.d_updates_per_step} D + 1 G "
        "step per iteration")
  print(f"parameters: G {g_params:,}, D {d_params:,}", flush=True)
  iteration = StudioGANIteration(data, model, loss, opt, nets, build_optimizers(opt, cfgs, *nets[:2]), losses)
  t0 = time.perf_counter()
  iteration(0)
  warmup = time.perf_counter() - t0
  times = []
  for step in range(1, args.iterations + 1):
    t0 = time.perf_counter()
    d_loss, g_loss = iteration(step)
    times.append(time.perf_counter() - t0)
    print(f"  iteration {step}: {times[-1]:.2f} s (D loss {d_loss:.4f}, G loss {g_loss:.4f})", flush=True)
  median = statistics.median(times)
  report(args, dict(library="PyTorch-StudioGAN", torch=torch.__version__, cpu=cpu_summary(),
                    threads=torch.get_num_threads(), cpu_capability=torch.backends.cpu.get_cpu_capability(),
                    batch=opt.batch_size, d_steps=opt.d_updates_per_step, fm=bool(loss.apply_fm),
                    ema=bool(model.apply_g_ema), g_conv_dim=model.g_conv_dim, d_conv_dim=model.d_conv_dim,
                    g_params=g_params, d_params=d_params, iterations_s=times, warmup_s=warmup, median_s=median,
                    best_s=min(times), images_per_s=(opt.d_updates_per_step + 1) * opt.batch_size / median,
                    matmul_gflops=max(rate_before, matmul_rate())))


if __name__ == "__main__":
  main()
