r"""Why Mode GAN's samples miss the ring's Gaussians: D's K+1 posterior along the rays through the class means.

  python results/mode_gan_cause.py [--out results/campaign] [--seeds 0,1,2] [--checkpoint latest]

Reads the mode_gan claim's runs under OUT/runs/mode_gan/ring/{kplus1,mode_gan}/seedS (their checkpoints: run it
where `tfgan-reproduce mode_gan --out OUT` trained them) and writes OUT/mode_gan_cause.md (per arm, mean +- std
over seeds: the radius where D's log max_{l<K} P(D = l | x) peaks, D's P(fake) there, the samples' radius, the
real points' radius) and OUT/mode_gan_cause.png (`tfgan_mh.inspection.plot_radial_profile` of the first
seed). L_Dyn (Kavalerov, Czaja, Chellappa 2020, "A study of quality and diversity in K+1 GANs", PMLR 137, §2.2)
moves each fake up D's max real-class posterior; where that posterior peaks is where its samples go.
"""

import argparse
import os

import numpy as np

from tfgan_mh import inspection, plots
from tfgan_mh.reproduce import curves

ARMS = ("kplus1", "mode_gan")


def _cell(values) -> str:
  return curves.cell(curves.stats(values), ".3f", ".3f")


def main(args) -> None:
  seeds = [int(s) for s in args.seeds.split(",")]
  profiles = {}  # (arm, seed) -> RadialProfile
  for seed in seeds:
    for arm in ARMS:
      run = inspection.load(os.path.join(args.out, "runs", "mode_gan", "ring", arm, f"seed{seed}"),
                            args.checkpoint)
      profiles[arm, seed] = inspection.radial_profile(run, np.linspace(0.0, 3.0, 121), num_samples=10000)
      print(f"{arm} seed {seed} (step {run.step}): D's peak at r = {profiles[arm, seed].peak_radius:.3f}, "
            f"samples at r = {profiles[arm, seed].sample_radius.mean():.3f}", flush=True)
  rows = ["| arm | D's log max real posterior peaks at r | P(fake) there | samples' r | real points' r |",
          "|---|---|---|---|---|"]
  for arm in ARMS:
    ps = [profiles[arm, s] for s in seeds]
    at_peak = [float(p.p_fake[int(np.argmax(p.log_max_real))]) for p in ps]
    rows.append(f"| {arm} | {_cell([p.peak_radius for p in ps])} | {_cell(at_peak)} | "
                f"{_cell([p.sample_radius.mean() for p in ps])} | {_cell([p.real_radius.mean() for p in ps])} |")
  text = "\n".join([
      "# mode_gan: where the K+1 discriminator sends the generator", "",
      f"Seeds {args.seeds}; checkpoint {args.checkpoint}; `python results/mode_gan_cause.py --out {args.out}`. "
      "Along the ray from the real points' centre through each class mean (mean over the 10 rays), D's "
      "log max_{l<K} P(D = l | x), the quantity Mode GAN's generator loss L_Dyn raises, on a grid of radii "
      "0-3 (step 0.025); radii of 10 000 samples of each run's generator (EMA when it has one) and of 10 000 "
      "real points. Cells: mean ± std over seeds. A peak at the grid's last radius (3.000) means the posterior "
      "still rises there.", "", *rows, "",
      "![radial profiles](mode_gan_cause.png)", ""])
  with open(os.path.join(args.out, "mode_gan_cause.md"), "w") as f:
    f.write(text)
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig = inspection.plot_radial_profile({arm: profiles[arm, seeds[0]] for arm in ARMS},
                                       title=f"K+1 discriminator along the rays through the class means, seed "
                                       f"{seeds[0]}")
  plots.write_png(os.path.join(args.out, "mode_gan_cause.png"), plots.to_array(fig))
  plt.close(fig)
  print(text)


if __name__ == "__main__":
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--out", default="results/campaign")
  parser.add_argument("--seeds", default="0,1,2")
  parser.add_argument("--checkpoint", default="latest")
  main(parser.parse_args())
