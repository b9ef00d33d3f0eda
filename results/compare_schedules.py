r"""Is an annealed run's end point where longer training lands? One claim's report under two schedules.

  python results/compare_schedules.py --longer results/campaign/constant_rate/mhgan.json \
      --annealed results/campaign/mhgan.json --out results/campaign/mhgan_schedules

Both files are `tfgan-reproduce` reports (CLAIM.json) of the same claim and seeds: `--longer` trained with the
rates held (`optimization.anneal_from` unset, the default) for more steps, `--annealed` with the rates decayed to 0
over the end of a shorter run. Under an annealed schedule the last checkpoints are taken while the rates fall, so
the flattening rule (`tfgan_mh.reproduce.curves`) reads the schedule's own descent; the question it cannot
answer from one run is whether a longer schedule would end elsewhere. This script answers it from the longer
constant-rate runs: for every arm and every metric with a direction (`tfgan_mh.evaluation.registry.best_metrics`),
the first constant-rate checkpoint past the annealed run's length whose seed mean is better than the annealed end
point by more than the larger of the two seed stds. Found: the annealed end point was not converged (longer
training passes it beyond seed noise); not found up to the longer runs' last checkpoint: it held.

Writes OUT.md (the table) and OUT.png (per dataset and metric: each arm's two curves, seed mean ± 1 std).
"""

import argparse
import json
import os

import numpy as np
from matplotlib import figure as mpl_figure

from tfgan_mh import plots
from tfgan_mh.evaluation import registry
from tfgan_mh.reproduce import claims, curves


def passed_at(end, longer, mode):
  """The first point of `longer` past `end`'s step better than `end` by more than the larger seed std, or None."""
  for p in longer:
    if p["step"] <= end["step"]:
      continue
    margin = max(p["std"], end["std"])
    if (end["mean"] - p["mean"] if mode == "min" else p["mean"] - end["mean"]) > margin:
      return p
  return None


def rows(longer, annealed):
  """(dataset/arm, metric, annealed end, constant-rate point at that step, constant-rate last point, passed)."""
  modes = {k: v[1] for k, v in registry.best_metrics().items() if v}
  out = []
  for name, metrics in annealed["curves"].items():
    for metric, points in metrics.items():
      other = longer["curves"].get(name, {}).get(metric)
      if metric not in modes or not points or not other:
        continue
      end = points[-1]
      same = next((p for p in other if p["step"] == end["step"]), None)
      out.append((name, metric, end, same, other[-1], passed_at(end, other, modes[metric])))
  return out


def markdown(args, table, labels) -> str:
  lines = [f"# {args.title}", "",
           f"`python results/compare_schedules.py --longer {args.longer} --annealed {args.annealed} --out {args.out}`"
           " (`results/compare_schedules.py` says what it compares). Cells: seed mean ± std (ddof 1). \"Passed at\": "
           "the first constant-rate checkpoint past the annealed run's length better than the annealed end point "
           "by more than the larger seed std.", "",
           "| run | metric | annealed end | constant rates, same step | constant rates, last | passed at |",
           "|---|---|---|---|---|---|"]
  for name, metric, end, same, last, passed in table:
    where = f"step {passed['step']} ({curves.cell(passed)})" if passed else f"not up to step {last['step']}"
    lines.append(f"| {name} | {labels.get(metric, metric)} | {curves.cell(end)} (step {end['step']}) | "
                 f"{curves.cell(same)} | {curves.cell(last)} (step {last['step']}) | {where} |")
  passed = sum(1 for r in table if r[-1])
  lines += ["", f"Longer constant-rate training passes the annealed end point beyond seed noise in {passed} of "
                f"{len(table)} (run, metric) pairs.", "", f"![both schedules]({os.path.basename(args.out)}.png)", ""]
  return "\n".join(lines)


def figure(longer, annealed, table, labels, title):
  panels = sorted({(name.split("/", 1)[0], metric) for name, metric, *_ in table})
  datasets = list(dict.fromkeys(d for d, _ in panels))
  metrics = list(dict.fromkeys(m for _, m in panels))
  fig = mpl_figure.Figure(figsize=(4.2 * len(metrics), 3.4 * len(datasets) + 0.8), dpi=100)
  fig.set_layout_engine("constrained")
  axes = fig.subplots(len(datasets), len(metrics), squeeze=False)
  for i, dataset in enumerate(datasets):
    for j, metric in enumerate(metrics):
      ax = axes[i][j]
      arms = [n for n in annealed["curves"] if n.startswith(dataset + "/") and annealed["curves"][n].get(metric)]
      start = 0.6 * max(p["step"] for n in arms for p in annealed["curves"][n][metric])  # the late steps asked about
      for k, name in enumerate(arms):
        color = f"C{k}"
        for report, style, what in ((annealed, "-", "annealed"), (longer, "--", "constant rates")):
          pts = [p for p in report["curves"].get(name, {}).get(metric) or [] if p["step"] >= start]
          if not pts:
            continue
          x = np.array([p["step"] for p in pts])
          mean, std = np.array([p["mean"] for p in pts]), np.array([p["std"] for p in pts])
          ax.plot(x, mean, style, color=color, marker="o", markersize=2.5, label=f"{name.split('/', 1)[1]}, {what}")
          ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.12, linewidth=0)
      ax.set_title(f"{dataset}: {labels.get(metric, metric)}", fontsize=10)
      ax.set_xlabel("generator steps")
      ax.set_ylabel(labels.get(metric, metric))
      ax.grid(alpha=0.3)
      ax.legend(fontsize=7)
  fig.suptitle(f"{title} (seed mean ± 1 std)", fontsize=11)
  return fig


def main(args) -> None:
  with open(args.longer) as f:
    longer = json.load(f)
  with open(args.annealed) as f:
    annealed = json.load(f)
  if longer["claim"] != annealed["claim"]:
    raise SystemExit(f"--longer is a report of claim {longer['claim']!r}, --annealed of {annealed['claim']!r}: "
                     "compare one claim's reports")
  labels = dict(claims.CLAIMS[annealed["claim"]].metrics) if annealed["claim"] in claims.CLAIMS else {}
  table = rows(longer, annealed)
  if not table:
    raise SystemExit(f"{args.longer} and {args.annealed} share no (run, metric) curve with a direction")
  text = markdown(args, table, labels)
  with open(args.out + ".md", "w") as f:
    f.write(text)
  plots.write_png(args.out + ".png", plots.to_array(figure(longer, annealed, table, labels, args.title)))
  print(text)


if __name__ == "__main__":
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--longer", required=True, help="report (CLAIM.json) of the longer constant-rate runs")
  parser.add_argument("--annealed", required=True, help="report (CLAIM.json) of the annealed runs")
  parser.add_argument("--out", required=True, help="path without extension of the .md and .png to write")
  parser.add_argument("--title", default="Annealed end points against longer constant-rate training")
  main(parser.parse_args())
