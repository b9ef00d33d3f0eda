"""The six headline claims of the five papers, at CPU scale, as comparisons of the project's gin experiments,
and the toolkit comparison (BigGAN + MH with and without DiffAugment / LeCam).

Each `Claim` lists its arms (gin files + bindings), the datasets, the eval metrics to tabulate, the papers'
numbers where one exists, and the expectations that decide the verdict. Steps are CPU-sized (one run in
about ten minutes on 2 cores); `--steps` changes them, `--smoke` shrinks everything to a few steps.
"""

import dataclasses
import os
from typing import Any, Dict, Optional, Sequence, Tuple

from tfgan_mh.reproduce import extras as extras_lib


@dataclasses.dataclass(frozen=True)
class Dataset:
  """A dataset the arms train on, and whether it gets a dataset classifier (image data) for the eval job.

  `source` is its `build_source` name (None: the arms' gin files choose, e.g. the ring). Where the data is
  read from is decided at run time (`source_kwargs`): with `data_dir` (`--data_dir`), from the idx folder
  `data_dir/<source>`; without, from TFDS (downloaded once when not prepared).
  """
  name: str
  source: Optional[str] = None
  classifier: bool = False

  def source_kwargs(self, data_dir: Optional[str]) -> Dict[str, Any]:
    """`build_source` keyword arguments: the name, and the idx folder under `data_dir` if one is given."""
    kwargs = dict(name=self.source)
    if data_dir:
      kwargs["path"] = os.path.join(data_dir, self.source)
    return kwargs

  def params(self, data_dir: Optional[str]) -> Tuple[str, ...]:
    """Gin bindings that select this dataset in the arms' runs."""
    if self.source is None:
      return ()
    return tuple(f"build_source.{k} = {v!r}" for k, v in self.source_kwargs(data_dir).items())


@dataclasses.dataclass(frozen=True)
class Arm:
  """One side of a comparison: gin files and bindings; `init_from` names an arm whose run it continues."""
  name: str
  gin_files: Tuple[str, ...]
  params: Tuple[str, ...] = ()
  init_from: Optional[str] = None
  extra_steps: bool = False  # trains `steps` more than the arm it continues


@dataclasses.dataclass(frozen=True)
class Expect:
  """Expectation `metric(a) op metric(b)` (b an arm, another metric of a, or a number); op "<", ">" or "~"
  (see `report.judge`)."""
  metric: str
  a: str
  op: str
  b: object
  why: str


@dataclasses.dataclass(frozen=True)
class Claim:
  name: str
  title: str
  source: str  # paper + table / figure
  datasets: Tuple[Dataset, ...]
  arms: Tuple[Arm, ...]
  metrics: Tuple[Tuple[str, str], ...]  # (record key, column label)
  eval_groups: str  # the eval job's metric groups
  steps: int
  expectations: Tuple[Expect, ...]
  paper: Dict[Tuple[str, str], str] = dataclasses.field(default_factory=dict)  # (arm, metric) -> text
  num_samples: int = 5000
  seeds: Sequence[int] = (0, 1)
  notes: str = ""
  checkpoints: int = 10  # evaluated per run, evenly spaced: the learning curve (`curves.flattened` needs 3)
  recipe: Tuple[str, ...] = ()  # bindings every arm trains with (before its own): the recipe tuned on the baseline
  extras: extras_lib.Extras = extras_lib.NONE  # what the claim adds: more values per run, across runs, real data


MNIST = Dataset("mnist", "mnist", classifier=True)  # the arms' gin files set the resolution (32, or 28 for MAGAN)
FASHION = Dataset("fashion_mnist", "fashion_mnist", classifier=True)
RING = Dataset("ring")

_E = "experiments/"  # packaged gin names (tfgan_mh/gin/)
_B = "base/"
# The tutorials' conditional GAN (Mirza & Osindero 2014 with the DCGAN recipe) on the same networks: the reference
# row of every 32 px MNIST / Fashion-MNIST claim; for MAGAN's 28 px claim its G and a D of its auto-encoder's
# widths; for the translation claim (image to image) a G(z, c) from noise, scored by the same GAN-test and FID.
TUTORIAL = Arm("tutorial_cgan", (_E + "mnist_cgan_tutorial_cpu.gin",))
TUTORIAL_28 = Arm("tutorial_cgan", (_E + "mnist28_cgan_tutorial.gin",))
_IMAGE_METRICS = (("gan_test", "GAN-test acc"), ("fid", "FID (classifier feat.)"),
                  ("intra_fid_mean", "mean intra-FID"), ("classifier_is_mean", "classifier IS"),
                  ("ms_ssim_mean", "intra-class MS-SSIM"))

CLAIMS = {c.name: c for c in (
    Claim(
        name="mhgan", title="MHGAN vs hinge projection vs ACGAN at equal steps",
        source="MHGAN Table 1 (ImageNet 128: MHGAN IS 61.98 / FID 13.27 vs SAGAN 52.79 / 16.39), at CPU scale",
        datasets=(MNIST, FASHION),
        arms=(Arm("hinge", (_E + "mnist_hinge_cpu.gin",)), Arm("mhgan", (_E + "mnist_mhinge_cpu.gin",)),
              Arm("acgan", (_E + "mnist_acgan_cpu.gin",)), TUTORIAL),
        metrics=_IMAGE_METRICS, eval_groups="fid,intra_fid,classifier_is,gan_test,ms_ssim", steps=3000,
        seeds=(0, 1, 2), recipe=("optimization.anneal_from = 0.5",),
        expectations=(
            Expect("classifier_is_mean", "mhgan", ">", "hinge", "MHGAN Table 1: MHGAN's IS above SAGAN's"),
            Expect("fid", "mhgan", "<", "hinge", "MHGAN Table 1: MHGAN's FID below SAGAN's"),
            Expect("gan_test", "mhgan", ">", "hinge", "MHGAN §3.2: the multi-hinge pushes class fidelity"),
            Expect("intra_fid_mean", "mhgan", "<", "acgan", "MHGAN Table 1 / Fig. 4c: ACGAN loses diversity")),
        notes="MHGAN §3.2: more class fidelity (IS, GAN-test) can cost diversity (intra-FID, MS-SSIM)."),
    Claim(
        name="mode_gan", title="binary GAN vs K+1 GAN vs Mode GAN on the 2-D ring",
        source="K+1 GANs §3.1 / Fig. 1 (no numbers: K+1 ~ binary; Mode GAN concentrates mass on the modes)",
        datasets=(RING,),
        arms=(Arm("binary", (_E + "ring_kplus1.gin", _B + "loss_binary.gin")),
              Arm("kplus1", (_E + "ring_kplus1.gin",)), Arm("mode_gan", (_E + "ring_mode_gan.gin",))),
        metrics=(("ring_high_quality_2std", "within 2 std"), ("ring_high_quality_3std", "within 3 std"),
                 ("ring_modes_covered", "modes covered"), ("ring_mode_kl", "mode KL"),
                 ("ring_energy_distance", "energy dist. to real"),
                 ("energy_distance_to_binary", "energy dist. to binary")),
        eval_groups="mixture", steps=10000, num_samples=10000,
        extras=extras_lib.MODE_GAN,
        expectations=(
            Expect("energy_distance_to_binary", "kplus1", "~", "binary",
                   "K+1 GANs §3: the K+1 GAN's samples are as close to the binary GAN's as binary GANs of two "
                   "seeds are to each other"),
            Expect("ring_high_quality_2std", "mode_gan", ">", "binary",
                   "K+1 GANs Fig. 1 (iii): dynamic labeling concentrates samples on the modes"))),
    Claim(
        name="magan", title="MAGAN vs EBGAN on MNIST",
        source="MAGAN §4.1 / Fig. 3 (classifier IS: MAGAN 7.52 +- 0.03, EBGAN 7.14 +- 0.04, real 9.09 +- 0.08)",
        datasets=(MNIST,),
        arms=(Arm("magan", (_E + "mnist_magan.gin",)), Arm("ebgan", (_E + "mnist_ebgan.gin",)), TUTORIAL_28),
        metrics=(("classifier_is_mean", "classifier IS"), ("class_histogram_max", "largest class share"),
                 ("margin_first", "m_1"), ("margin_last", "final margin"), ("margin_updates", "margin updates"),
                 ("energy_real_mean", "real energy"), ("energy_fake_mean", "G energy")),
        eval_groups="classifier_is,class_histogram,energy", steps=28110, num_samples=10000,
        extras=extras_lib.MAGAN,
        expectations=(
            Expect("margin_last", "magan", "<", "margin_first",
                   "MAGAN Algorithm 1 / Fig. 3: the margin decreases"),
            Expect("classifier_is_mean", "magan", ">", "ebgan", "MAGAN §4.1: MAGAN 7.52 > EBGAN 7.14")),
        paper={("magan", "classifier_is_mean"): "7.52 +- 0.03", ("ebgan", "classifier_is_mean"): "7.14 +- 0.04",
               ("real data", "classifier_is_mean"): "9.09 +- 0.08", ("magan", "margin_last"): "1.08"},
        notes="the MAGAN paper trains T_max epochs (its code: 200); here 30 epochs (2 of them D-only; about 12 "
              "minutes a "
              "run on 2 cores) unless --steps. The margin moves only when an epoch's E_G rises: within 10 "
              "epochs it did not move here; within 30 it fell twice (6.74 -> 5.02 -> 3.80, seed 0)."),
    Claim(
        name="aam", title="cross-entropy vs additive-angular-margin auxiliary classifier",
        source="AAM Table 2 (noise-to-image form: the AAM classifier raises GAN-test and confidence)",
        datasets=(MNIST,),
        arms=(Arm("ce", (_E + "mnist_acgan_cpu.gin", _B + "loss_acgan_ce.gin")),
              Arm("aam", (_E + "mnist_acgan_cpu.gin", _B + "loss_acgan_aam.gin")), TUTORIAL),
        metrics=(("gan_test", "GAN-test acc"), ("confidence_mean", "classifier confidence"),
                 ("fid", "FID (classifier feat.)"), ("intra_fid_mean", "mean intra-FID")),
        eval_groups="gan_test,confidence,fid,intra_fid", steps=3000,
        expectations=(
            Expect("gan_test", "aam", ">", "ce", "AAM Table 2: AAM's GAN-test above CE's"),
            Expect("confidence_mean", "aam", ">", "ce", "AAM Fig. 6: AAM's samples are classified confidently"))),
    Claim(
        name="amgan", title="AC-GAN* vs LabelGAN vs AM-GAN",
        source="AM-GAN Table 1 (CIFAR-10 IS, dynamic labels: AM-GAN 8.83 > LabelGAN 8.63 > AC-GAN* 7.41; AM Score "
               "lower is better)",
        datasets=(MNIST,),
        arms=(Arm("ac_gan_star", (_E + "mnist_hinge_cpu.gin", _B + "loss_ac_gan_star.gin")),
              Arm("labelgan", (_E + "mnist_hinge_cpu.gin", _B + "loss_labelgan.gin")),
              Arm("amgan", (_E + "mnist_hinge_cpu.gin", _B + "loss_amgan.gin")), TUTORIAL),
        metrics=(("am_score", "AM Score"), ("classifier_is_mean", "classifier IS"),
                 ("class_histogram_max", "largest class share")),
        eval_groups="am_score,classifier_is,class_histogram", steps=3000,
        expectations=(
            Expect("am_score", "amgan", "<", "labelgan", "AM-GAN Table 1: AM-GAN's AM Score below LabelGAN's"),
            Expect("classifier_is_mean", "amgan", ">", "labelgan",
                   "AM-GAN Table 1: AM-GAN's IS above LabelGAN's"))),
    Claim(
        name="peers", title="the peers' losses and ADA train and condition on MNIST",
        source="no paper table: ReACGAN (Kang et al. 2021), ADC-GAN (Hou et al. 2022), RpGAN + R1 / R2 (R3GAN, "
               "Huang et al. 2024) and ADA (Karras et al. 2020) on mnist_hinge_cpu.gin's networks and optimizer",
        datasets=(MNIST,),
        arms=(Arm("hinge", (_E + "mnist_hinge_cpu.gin",)), Arm("rpgan", (_E + "mnist_rpgan_cpu.gin",)),
              Arm("reacgan", (_E + "mnist_reacgan_cpu.gin",)), Arm("adcgan", (_E + "mnist_adcgan_cpu.gin",)),
              Arm("hinge_ada", (_E + "mnist_hinge_cpu.gin",), ("ada.pipeline = 'bgc'",))),
        metrics=_IMAGE_METRICS[:4], eval_groups="gan_test,fid,intra_fid,classifier_is", steps=5000, seeds=(0,),
        checkpoints=5,
        expectations=tuple(
            Expect("gan_test", arm, ">", 0.5, "it conditions: most samples are read as their label (chance 0.1)")
            for arm in ("rpgan", "reacgan", "adcgan", "hinge_ada")),
        notes="A check that each new method trains and conditions at CPU scale through the same runner, one seed "
              "each; no paper claim is tested here (hinge is the reference row)."),
    Claim(
        name="mhshared_switch", title="hinge run switched to MHSharedGAN vs its unswitched continuation",
        source="MHGAN Fig. 8 / §3.2 (IS up after the switch; diversity worse)",
        datasets=(MNIST,),
        arms=(Arm("hinge_base", (_E + "mnist_hinge_cpu.gin",)),
              Arm("switched", (_E + "mnist_hinge_cpu.gin", _B + "loss_mhinge_shared.gin"),
                  init_from="hinge_base", extra_steps=True),
              Arm("continued", (_E + "mnist_hinge_cpu.gin",), init_from="hinge_base", extra_steps=True),
              dataclasses.replace(TUTORIAL, extra_steps=True)),  # from scratch, as many steps as the others
        metrics=(("classifier_is_mean", "classifier IS"), ("intra_fid_mean", "mean intra-FID"),
                 ("ms_ssim_mean", "intra-class MS-SSIM"), ("gan_test", "GAN-test acc")),
        eval_groups="classifier_is,intra_fid,ms_ssim,gan_test", steps=2000,
        expectations=(
            Expect("classifier_is_mean", "switched", ">", "continued", "MHGAN Fig. 8: IS jumps after the switch"),
            Expect("ms_ssim_mean", "switched", ">", "continued", "MHGAN §3.2: less diversity (higher MS-SSIM)"))),
    Claim(
        name="toolkit", title="BigGAN + MHGAN with and without DiffAugment and LeCam",
        source="Zhao et al. 2020 (DiffAugment) Table 1 / Tseng et al. 2021 (LeCam) Table 1: both lower BigGAN's "
               "CIFAR-10 FID, most with limited data; here full MNIST at CPU scale",
        datasets=(MNIST,),
        arms=(Arm("plain", (_E + "mnist_biggan_mhinge_cpu.gin",)),
              Arm("diffaugment", (_E + "mnist_biggan_mhinge_cpu.gin",),
                  ("diffaugment.policy = 'color,translation,cutout'",)),
              Arm("lecam", (_E + "mnist_biggan_mhinge_cpu.gin",), ("lecam.weight = 0.3",)),
              Arm("both", (_E + "mnist_biggan_mhinge_cpu.gin",),
                  ("diffaugment.policy = 'color,translation,cutout'", "lecam.weight = 0.3")), TUTORIAL),
        metrics=(("gan_test", "GAN-test acc"), ("fid", "FID (classifier feat.)"),
                 ("intra_fid_mean", "mean intra-FID"), ("classifier_is_mean", "classifier IS")),
        eval_groups="fid,intra_fid,classifier_is,gan_test", steps=1500,
        expectations=(
            Expect("fid", "diffaugment", "<", "plain", "Zhao et al. 2020 Table 1: DiffAugment lowers BigGAN's FID"),
            Expect("fid", "lecam", "<", "plain", "Tseng et al. 2021 Table 1: LeCam lowers BigGAN's FID"),
            Expect("fid", "both", "<", "plain", "Tseng et al. 2021 Table 1: LeCam + DiffAugment lowest")),
        notes="Both regularisers target limited data (10-20 % of CIFAR-10 in the papers); on the full 60k MNIST "
              "neither paper promises a gain: the table says what happens at this scale."),
    Claim(
        name="aam_translation", title="cross-entropy vs AAM domain classifier in image-to-image translation",
        source="AAM Table 2 (CIFAR-100 classes as domains) and Table 3 (RaFD expressions): in its own setting, "
               "StarGAN-style G(x, c), AAM raises the GAN-test accuracy of the translated images; here MNIST digits "
               "as the domains",
        datasets=(MNIST,),
        arms=(Arm("ce", (_E + "mnist_translation_ce.gin",)), Arm("aam", (_E + "mnist_translation_aam.gin",)),
              # AdaCos's fixed scale for K classes, sqrt(2) ln(K - 1) = 3.1 at K = 10 (Zhang et al. 2019): s = 64
              # (ArcFace's, for thousands of identities) saturates a 10-way softmax.
              Arm("aam_adacos", (_E + "mnist_translation_aam.gin",), ("translation.aam_scale = 3.1",)),
              TUTORIAL),
        metrics=(("gan_test", "GAN-test acc"), ("translation_cycle_l1", "cycle L1"),
                 ("fid", "FID (classifier feat.)"), ("intra_fid_mean", "mean intra-FID (per target)")),
        eval_groups="gan_test,fid,intra_fid", steps=2000,
        expectations=(
            Expect("gan_test", "aam", ">", "ce", "AAM Table 2: AAM's GAN-test accuracy above CE's"),
            Expect("gan_test", "aam_adacos", ">", "ce", "AAM Table 2, with a scale fitted to 10 classes"),),
        paper={("ce", "gan_test"): "0.583 (CIFAR-100), 0.8985 (RaFD)",
               ("aam", "gan_test"): "0.718 (CIFAR-100), 0.9516 (RaFD)"},
        notes="The translations are of the t10k images to balanced target digits (tfgan_mh/evaluation/"
              "translation.py). Every arm: hinge adversarial terms (the AAM paper leaves the GAN loss to StarGAN: "
              "WGAN-GP), 1 D step per G step (StarGAN: 5), lambda_cls = 1 (AAM Table 1), lambda_rec = 10 "
              "(StarGAN), Adam 1e-4 (0.5, 0.999), m = 0.5 and s = 64 (ArcFace; the AAM paper gives none) or 3.1 "
              "(aam_adacos); G ch 16 with 2 residual blocks, batch 32: CPU-sized."),
)}
