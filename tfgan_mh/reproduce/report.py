"""Tables and verdicts of a claim: mean +- std over seeds per arm, the paper's number beside it, one verdict.

Verdict rules (`judge`): each expectation compares two arms' seed means (or an arm's value with another of
its values, e.g. the final vs the first margin). "<" / ">" hold when the means differ in that direction by
more than the larger of the two seed standard deviations (less: "within seed noise"); "~" (a is about b, where
b is a noise floor such as the distance between two seeds of the same arm) holds when a's mean is at most
twice b's mean plus that seed noise. The claim is "reproduced" when every expectation
holds, "not reproduced" when one fails, "inconclusive" when none fails but one is within seed noise (and
always with a single seed).
"""

import json
import math
import os
from typing import Any, Dict, List

import numpy as np


def _finite(v) -> bool:
  return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _stats(values) -> Dict[str, Any]:
  vals = [float(v) for v in values if _finite(v)]
  if not vals:
    return {"mean": None, "std": None, "n": 0}
  return {"mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
          "n": len(vals)}


def summarise(claim, rows: List[Dict[str, Any]], *, extras, seeds, steps, smoke, seconds) -> Dict[str, Any]:
  """The CLAIM.json dict: per-run rows, per (dataset, arm) statistics, expectation checks and the verdict."""
  keys = [k for k, _ in claim.metrics]
  if claim.name == "magan":
    keys += [k for k in ("margin_first", "margin_last", "margin_updates") if k not in keys]
  table = {}
  for dataset in claim.datasets:
    for arm in claim.arms:
      mine = [r for r in rows if r["dataset"] == dataset.name and r["arm"] == arm.name]
      table[f"{dataset.name}/{arm.name}"] = {k: _stats([r["values"].get(k) for r in mine]) for k in keys}
  checks = [judge(e, table, d.name) for d in claim.datasets for e in claim.expectations]
  held = [c["holds"] for c in checks]
  if len(seeds) < 2:
    verdict = "inconclusive"
  elif any(h is False for h in held):
    verdict = "not reproduced"
  else:
    verdict = "inconclusive" if any(h is None for h in held) else "reproduced"
  failed = [c for c in checks if c["holds"] is False]
  why = ("every expectation holds beyond seed noise" if verdict == "reproduced" else
         "; ".join(f"{c['dataset']}: {c['text']} ({c['detail']})" for c in failed) if failed else
         "; ".join(f"{c['dataset']}: {c['text']} ({c['detail']})" for c in checks if c["holds"] is None)
         or "a single seed cannot separate the arms from seed noise")
  return {"claim": claim.name, "title": claim.title, "source": claim.source, "smoke": smoke, "steps": steps,
          "seeds": seeds, "wall_seconds": round(seconds, 1), "table": table, "reference": extras,
          "paper": {f"{a}/{m}": v for (a, m), v in claim.paper.items()}, "checks": checks,
          "verdict": verdict, "why": why, "notes": claim.notes, "runs": rows,
          "protocol": next((r["protocol"] for r in rows if r.get("protocol")), None)}


def judge(expect, table, dataset: str) -> Dict[str, Any]:
  """Checks one `claims.Expect` on the (dataset, arm) statistics; holds is True / False / None (no data)."""
  a = table.get(f"{dataset}/{expect.a}", {}).get(expect.metric, {})
  if isinstance(expect.b, str) and f"{dataset}/{expect.b}" in table:
    b = table[f"{dataset}/{expect.b}"].get(expect.metric, {})
    other = expect.b
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
  return {"dataset": dataset, "text": text, "holds": holds, "detail": detail}


def _cell(stat) -> str:
  if not stat or stat.get("mean") is None:
    return "—"
  if stat["n"] > 1:
    return f"{stat['mean']:.4g} ± {stat['std']:.2g}"
  return f"{stat['mean']:.4g}"


def markdown(claim, result) -> str:
  """CLAIM.md: header, table (paper values in brackets), checks, verdict, protocol, commands."""
  labels = dict(claim.metrics)
  reused = sum(1 for r in result["runs"] if not r.get("train_seconds"))
  keys = list(next(iter(result["table"].values())).keys()) if result["table"] else []
  lines = [f"# {claim.name}: {claim.title}", "", f"Source: {claim.source}.", "",
           f"Seeds {', '.join(map(str, result['seeds']))}; {result['steps']} steps per run"
           f"{' (SMOKE: a pipeline check, not a result)' if result['smoke'] else ''}; wall time of this call "
           f"{result['wall_seconds'] / 60:.1f} min ({reused} of {len(result['runs'])} runs reused from an earlier "
           "call). Cells: mean ± std over seeds (ddof 1).", "",
           "| run | " + " | ".join(labels.get(k, k) for k in keys) + " |",
           "|---|" + "---|" * len(keys)]
  for name, stats in result["table"].items():
    arm = name.split("/", 1)[1]
    cells = []
    for k in keys:
      paper = result["paper"].get(f"{arm}/{k}")
      cells.append(_cell(stats[k]) + (f" [paper {paper}]" if paper else ""))
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  for name, values in result["reference"].items():
    cells = []
    for k in keys:
      paper = result["paper"].get(f"{name}/{k}")
      v = values.get(k)
      cells.append((f"{v:.4g}" if _finite(v) else "—") + (f" [paper {paper}]" if paper else ""))
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  lines += ["", "Checks:"]
  for c in result["checks"]:
    mark = {True: "holds", False: "FAILS", None: "undecided"}[c["holds"]]
    lines.append(f"- {c['dataset']}: {c['text']}: **{mark}** ({c['detail']})")
  lines += ["", f"**Verdict: {result['verdict']}** — {result['why']}."]
  if claim.notes:
    lines += ["", claim.notes]
  lines += ["", f"Command: `python -m tfgan_mh.reproduce {claim.name} --seeds "
                f"{','.join(map(str, result['seeds']))} --steps {result['steps']}"
                f"{' --smoke' if result['smoke'] else ''}`", ""]
  return "\n".join(lines)


def write(out: str, claim, result) -> None:
  """Writes OUT/CLAIM.json and OUT/CLAIM.md (each atomically: a reader never sees half a file)."""
  os.makedirs(out, exist_ok=True)
  for suffix, text in ((".json", json.dumps(result, indent=1, default=str)), (".md", markdown(claim, result))):
    path = os.path.join(out, claim.name + suffix)
    with open(path + ".tmp", "w") as f:
      f.write(text)
    os.replace(path + ".tmp", path)
