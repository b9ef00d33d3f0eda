"""Tables, learning curves and verdicts of a claim: mean +- std over seeds per arm at the last checkpoint, the
paper's number beside it, the curves of every checkpoint (`curves`), one verdict.

Verdict rules (`judge`): each expectation compares two arms' seed means at the last checkpoint (or an arm's
value with another of its values, e.g. the final vs the first margin). "<" / ">" hold when the means differ in
that direction by more than the larger of the two seed standard deviations (less: "within seed noise"); "~" (a
is about b, where b is a noise floor such as the distance between two seeds of the same arm) holds when a's
mean is at most twice b's mean plus that seed noise. A check is decided only where the curves of its metric
have flattened for the arms it compares (`curves.flattened`); otherwise it is "not converged at N steps",
never a failure. A value with no curve (the MAGAN margin, the distance to the binary GAN) is judged at the end
point and says so. The claim is "reproduced" when every expectation holds, "not reproduced" when one fails,
"not converged at N steps" when none fails and a curve still moves, "inconclusive" when none fails but one is
within seed noise (and always with a single seed).
"""

import json
import os
from typing import Any, Dict, List

from tfgan_mh import plots
from tfgan_mh.reproduce import claims as claims_lib
from tfgan_mh.reproduce import curves as curves_lib

_finite = curves_lib.finite
_stats = curves_lib.stats


def name(claim, arms) -> str:
  """The file name of a claim's report: the claim, plus the arms when only some of them ran."""
  chosen = [a.name for a in claim.arms if a.name in arms]
  return claim.name if len(chosen) == len(claim.arms) else "_".join([claim.name] + chosen)


def summarise(claim, rows: List[Dict[str, Any]], *, extras, seeds, steps, smoke, seconds,
              arms=None) -> Dict[str, Any]:
  """The CLAIM.json dict: per-run rows, per (dataset, arm) statistics and curves, checks and the verdict."""
  arms = list(arms) if arms is not None else [a.name for a in claim.arms]
  keys = [k for k, _ in claim.metrics]
  table, curves, flat = {}, {}, {}
  for dataset in claim.datasets:
    for arm in arms:
      mine = [r for r in rows if r["dataset"] == dataset.name and r["arm"] == arm]
      name_ = f"{dataset.name}/{arm}"
      table[name_] = {k: _stats([r["values"].get(k) for r in mine]) for k in keys}
      curves[name_] = {k: pts for k in keys if (pts := curves_lib.arm_curve(mine, k))}
      flat[name_] = {k: dict(zip(("flat", "why"), curves_lib.flattened(pts)), trend=curves_lib.trend(pts))
                     for k, pts in curves[name_].items()}
  checks = [judge(e, table, d.name, flat=flat, steps=steps) for d in claim.datasets for e in claim.expectations
            if e.a in arms and (e.b not in [a.name for a in claim.arms] or e.b in arms)]
  verdict, why = _verdict(checks, seeds, steps)
  equal_time = {}
  bases = set(_continued(claim, arms).values())  # arms others continue: the first part of those runs
  timed = [a for a in arms if a not in bases]
  for d in claim.datasets:
    for metric in dict.fromkeys(e.metric for e in claim.expectations):
      point = curves_lib.at_equal_time({a: curves[f"{d.name}/{a}"].get(metric, []) for a in timed})
      if point is not None:
        equal_time[f"{d.name}/{metric}"] = point
  return {"claim": claim.name, "name": name(claim, arms), "title": claim.title, "source": claim.source,
          "smoke": smoke, "steps": steps, "seeds": seeds, "arms": arms, "datasets": [d.name for d in claim.datasets],
          "wall_seconds": round(seconds, 1),
          "table": table, "curves": curves, "flattened": flat, "equal_time": equal_time, "reference": extras,
          "paper": {f"{a}/{m}": v for (a, m), v in claim.paper.items()}, "checks": checks,
          "verdict": verdict, "why": why, "notes": claim.notes, "runs": rows,
          "protocol": next((r["protocol"] for r in rows if r.get("protocol")), None)}


def _verdict(checks, seeds, steps):
  """(verdict, why) from the checks (module docstring)."""
  def listed(cs):
    return "; ".join(f"{c['dataset']}: {c['text']} ({c['detail']})" for c in cs)
  failed = [c for c in checks if c["holds"] is False]
  moving = [c for c in checks if c.get("converged") is False]
  if not checks:
    return "inconclusive", "no expectation compares the arms that ran"
  if len(seeds) < 2:
    return "inconclusive", "a single seed cannot separate the arms from seed noise"
  if failed:
    return "not reproduced", listed(failed)
  if moving:
    return f"not converged at {steps} steps", listed(moving)
  if any(c["holds"] is None for c in checks):
    return "inconclusive", listed(c for c in checks if c["holds"] is None)
  return "reproduced", "every expectation holds beyond seed noise"


def judge(expect, table, dataset: str, flat=None, steps=None) -> Dict[str, Any]:
  """Checks one `claims.Expect` on the (dataset, arm) statistics; holds is True / False / None (no data, within
  seed noise, or not converged). `flat`: "dataset/arm" -> metric -> {"flat", "why", "trend"} (`curves.flattened`,
  `curves.trend`); "converged" is False when a compared curve still moves (and the arms are not drawing apart:
  `curves` module docstring), None when there is no curve or one seed."""
  a = table.get(f"{dataset}/{expect.a}", {}).get(expect.metric, {})
  arms = [expect.a]
  if isinstance(expect.b, str) and f"{dataset}/{expect.b}" in table:
    b = table[f"{dataset}/{expect.b}"].get(expect.metric, {})
    other = expect.b
    arms.append(expect.b)
  elif isinstance(expect.b, str):  # another value of the same arm (e.g. margin_first)
    b = table.get(f"{dataset}/{expect.a}", {}).get(expect.b, {})
    other = f"{expect.a}'s {expect.b}"
  else:
    b, other = {"mean": float(expect.b), "std": 0.0}, str(expect.b)
  text = f"{expect.metric}: {expect.a} {expect.op} {other} — {expect.why}"
  if a.get("mean") is None or b.get("mean") is None:
    return {"dataset": dataset, "text": text, "holds": None, "detail": "no value"}
  diff = a["mean"] - b["mean"]
  noise = max(a.get("std") or 0.0, b.get("std") or 0.0)
  detail = f"{a['mean']:.4g} vs {b['mean']:.4g}, seed std {noise:.2g}"
  if expect.op == "~":
    holds = a["mean"] <= 2.0 * b["mean"] + noise
  elif expect.op == "<":
    holds = True if diff < -noise else (None if diff < 0 else False)
  else:
    holds = True if diff > noise else (None if diff > 0 else False)
  if holds is None:
    detail += ", right direction but within seed noise"
  states = [(flat or {}).get(f"{dataset}/{arm}", {}).get(expect.metric) for arm in arms]
  converged = None
  if flat is None:
    pass
  elif any(s is None for s in states):
    detail += "; end point only (no learning curve)"
  elif any(s["flat"] is False for s in states):
    moving = [(arm, s) for arm, s in zip(arms, states) if s["flat"] is False]
    if expect.op != "~" and len(states) == 2 and _drawing_apart(diff, noise, states):
      converged = True
      detail += "; decided while " + "; ".join(f"{arm} {s['why']}" for arm, s in moving) + (
          ": every moving curve draws away from the other arm (curves.trend), so its trend widens the gap")
    else:
      converged, holds = False, None
      detail += f"; not converged at {steps} steps: " + "; ".join(f"{arm} {s['why']}" for arm, s in moving)
  elif all(s["flat"] for s in states):
    converged = True
  return {"dataset": dataset, "text": text, "holds": holds, "detail": detail, "converged": converged}


def _drawing_apart(diff, noise, states) -> bool:
  """Whether the gap `diff` (first arm minus second) is beyond seed noise and can only widen: every arm still moving
  moves monotonically in the direction that increases |diff| (the first arm's rise widens a positive diff, the
  second's a negative one)."""
  sign = 1 if diff > 0 else -1
  return abs(diff) > noise and all(s["flat"] or s.get("trend", 0) == sign * (1 if i == 0 else -1)
                                   for i, s in enumerate(states))


def _training_minutes(runs) -> str:
  """The training seconds every run's timing record holds, summed over runs (a regenerated report's wall time is
  the regeneration's; this is the campaign's), and how many runs have steps no call timed (`curves.seconds_at`)."""
  seconds = sum(seg["seconds"] for r in runs for seg in r.get("timing") or [])
  untimed = sum(1 for r in runs
                if curves_lib.seconds_at(r.get("timing") or [], r["step"], r.get("timing_start")) is None)
  note = f" (steps no call timed in {untimed} of {len(runs)} runs)" if untimed else ""
  return f"{seconds / 60:.1f} min summed{note}"


def markdown(claim, result) -> str:
  """CLAIM.md: header, table at the last checkpoint (paper values in brackets), the learning curves, the
  comparison at equal wall time, checks, verdict, notes, command."""
  labels = dict(claim.metrics)
  reused = sum(1 for r in result["runs"] if not r.get("train_seconds"))
  keys = list(next(iter(result["table"].values())).keys()) if result["table"] else []
  recipe = f"Every arm trains with `{'`, `'.join(claim.recipe)}` (the claim's recipe). " if claim.recipe else ""
  lines = [f"# {result['name']}: {claim.title}", "", f"Source: {claim.source}.", "",
           recipe + f"Seeds {', '.join(map(str, result['seeds']))}; {result['steps']} steps per run"
           f"{' (SMOKE: a pipeline check, not a result)' if result['smoke'] else ''}; wall time of this call "
           f"{result['wall_seconds'] / 60:.1f} min ({reused} of {len(result['runs'])} runs reused from an earlier "
           f"call); the runs' recorded training time {_training_minutes(result['runs'])}. Cells: mean ± std over "
           "seeds (ddof 1), at the last checkpoint.", "",
           "| run | " + " | ".join(labels.get(k, k) for k in keys) + " |",
           "|---|" + "---|" * len(keys)]
  for name_, stats in result["table"].items():
    arm = name_.split("/", 1)[1]
    cells = []
    for k in keys:
      paper = result["paper"].get(f"{arm}/{k}")
      cells.append(curves_lib.cell(stats[k]) + (f" [paper {paper}]" if paper else ""))
    lines.append(f"| {name_} | " + " | ".join(cells) + " |")
  for name_, values in result["reference"].items():
    cells = []
    for k in keys:
      paper = result["paper"].get(f"{name_}/{k}")
      v = values.get(k)
      cells.append((f"{v:.4g}" if _finite(v) else "—") + (f" [paper {paper}]" if paper else ""))
    lines.append(f"| {name_} | " + " | ".join(cells) + " |")
  lines += _curve_lines(claim, result, labels)
  lines += ["", "Checks:"]
  for c in result["checks"]:
    mark = "not converged" if c.get("converged") is False else {True: "holds", False: "FAILS",
                                                                  None: "undecided"}[c["holds"]]
    lines.append(f"- {c['dataset']}: {c['text']}: **{mark}** ({c['detail']})")
  lines += ["", f"**Verdict: {result['verdict']}** — {result['why']}."]
  if claim.notes:
    lines += ["", claim.notes]
  chosen = "" if result["name"] == claim.name else f" --arms {','.join(result['arms'])}"
  full = claims_lib.CLAIMS.get(claim.name)
  if full is not None and len(claim.datasets) < len(full.datasets) and not result["smoke"]:
    chosen += f" --datasets {','.join(d.name for d in claim.datasets)}"
  lines += ["", f"Command: `python -m tfgan_mh.reproduce {claim.name} --seeds "
                f"{','.join(map(str, result['seeds']))} --steps {result['steps']}{chosen}"
                f"{' --smoke' if result['smoke'] else ''}`", ""]
  return "\n".join(lines)


def _curve_lines(claim, result, labels) -> List[str]:
  """The learning-curve tables of the expectations' metrics, and the comparison at equal wall time."""
  lines = ["", "## Learning curves", "", f"![learning curves]({result['name']}_curves.png)", "",
           f"Flattening rule: over the last {curves_lib.FLAT_WINDOW} evaluated checkpoints the seed mean's net "
           "change (last minus first) is no more than the seed std (`tfgan_mh.reproduce.curves`); a check on a "
           "curve that still moves is \"not converged\", not a failure, unless its arms are drawing apart (the gap "
           "beyond the seed std, every moving curve moving monotonically away from the other arm)."]
  for metric in dict.fromkeys(e.metric for e in claim.expectations):
    rows = {n: c[metric] for n, c in result["curves"].items() if c.get(metric)}
    if not rows:
      continue
    steps = sorted({p["step"] for pts in rows.values() for p in pts})
    lines += ["", f"{labels.get(metric, metric)} by generator step:", "",
              "| run | " + " | ".join(map(str, steps)) + " | flattened |", "|---|" + "---|" * (len(steps) + 1)]
    for n, pts in rows.items():
      by_step = {p["step"]: p for p in pts}
      state = result["flattened"][n][metric]
      lines.append(f"| {n} | " + " | ".join(curves_lib.cell(by_step.get(s)) for s in steps) +
                   f" | {state['why']} |")
  if result["equal_time"]:
    timed = list(next(iter(result["equal_time"].values()))["arms"])
    left = [a for a in result["arms"] if a not in timed]
    lines += ["", "At equal wall time (the training seconds every arm reached, from step 0: an arm that continues "
                  "another counts the other's; each arm's last checkpoint within them; seconds from the runner's "
                  "timing of each training call on this machine" +
                  (f"; not compared: {', '.join(left)}, the first part of the arms that continue it" if left else "") +
                  "):", "",
              "| dataset / metric | seconds | " + " | ".join(timed) + " |", "|---|---|" + "---|" * len(timed)]
    for key, point in result["equal_time"].items():
      dataset, metric = key.split("/", 1)
      cells = [f"{curves_lib.cell(p)} (step {p['step']})" if p else "—"
               for p in (point["arms"].get(a) for a in timed)]
      lines.append(f"| {dataset} / {labels.get(metric, metric)} | {point['seconds']:.0f} | " + " | ".join(cells) +
                   " |")
  return lines


def _continued(claim, arms) -> Dict[str, str]:
  """{arm: the arm whose run it continues} for the continuing arms among `arms`."""
  return {a.name: a.init_from for a in claim.arms if a.name in arms and a.init_from}


def curves_figure(claim, result):
  """The learning curves of the expectations' metrics: a `curves.figure`."""
  metrics = list(dict.fromkeys(e.metric for e in claim.expectations))
  bases = {arm: base for arm, base in _continued(claim, result["arms"]).items() if base in result["arms"]}
  panels = {}
  for d in claim.datasets:
    for m in metrics:
      arms = {a: result["curves"].get(f"{d.name}/{a}", {}).get(m, []) for a in result["arms"]}
      for arm, base in bases.items():  # a continued arm's line starts where its base's line ends
        if arms[arm]:
          before = [p for p in arms[base] if p["step"] < arms[arm][0]["step"]]
          arms[arm] = before[-1:] + arms[arm]
      if any(arms.values()):
        panels[d.name, m] = arms
  label = "SMOKE " if result["smoke"] else ""
  return curves_lib.figure(f"{label}{result['name']}: {claim.title}", panels, dict(claim.metrics))


def write(out: str, claim, result) -> None:
  """Writes OUT/NAME.json, OUT/NAME.md (each atomically: a reader never sees half a file) and
  OUT/NAME_curves.png (NAME: `name`)."""
  os.makedirs(out, exist_ok=True)
  base = os.path.join(out, result["name"])
  for suffix, text in ((".json", json.dumps(result, indent=1, default=str)), (".md", markdown(claim, result))):
    with open(base + suffix + ".tmp", "w") as f:
      f.write(text)
    os.replace(base + suffix + ".tmp", base + suffix)
  plots.write_png(base + "_curves.png", plots.to_array(curves_figure(claim, result)))
