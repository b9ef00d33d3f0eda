"""results/compare_schedules.py: which longer constant-rate checkpoint passes an annealed end point, on hand-made
reports (seed mean ± std per checkpoint, as `tfgan-reproduce` writes them)."""

import importlib.util
import json
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _script():
  spec = importlib.util.spec_from_file_location("compare_schedules",
                                                os.path.join(REPO, "results", "compare_schedules.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _pt(step, mean, std):
  return {"step": step, "mean": mean, "std": std, "n": 3, "seconds": None}


def _report(claim, curves):
  return {"claim": claim, "name": claim, "curves": curves}


ANNEALED = _report("mhgan", {"mnist/hinge": {
    "fid": [_pt(10, 9.0, 1.0), _pt(15, 6.0, 0.5)],  # lower is better
    "gan_test": [_pt(10, 0.90, 0.01), _pt(15, 0.95, 0.01)],  # higher is better
    "ms_ssim_mean": [_pt(15, 0.4, 0.01)]}})  # no direction: not compared
LONGER = _report("mhgan", {"mnist/hinge": {
    # 20: better by 0.45, beyond its own std 0.3 but not the annealed end's 0.5; 25: by 1.1 > max(0.6, 0.5)
    "fid": [_pt(15, 6.5, 1.0), _pt(20, 5.55, 0.3), _pt(25, 4.9, 0.6)],
    "gan_test": [_pt(15, 0.96, 0.01), _pt(20, 0.955, 0.02), _pt(25, 0.94, 0.01)],
    "ms_ssim_mean": [_pt(25, 0.3, 0.01)]}})


def test_first_checkpoint_past_the_end_better_beyond_the_larger_seed_std():
  cs = _script()
  rows = {metric: (same, last, passed) for _, metric, _, same, last, passed in cs.rows(LONGER, ANNEALED)}
  assert set(rows) == {"fid", "gan_test"}
  same, last, passed = rows["fid"]
  assert (same["mean"], last["step"], passed["step"]) == (6.5, 25, 25)
  # the step-15 point of the longer run is not "past" the annealed end, however good; 20 is within noise
  same, last, passed = rows["gan_test"]
  assert same["mean"] == 0.96 and passed is None


def test_writes_table_and_figure_and_refuses_reports_of_two_claims(tmp_path, capsys):
  cs = _script()
  paths = {}
  for name, rep in (("longer", LONGER), ("annealed", ANNEALED), ("other", _report("amgan", LONGER["curves"]))):
    paths[name] = str(tmp_path / f"{name}.json")
    with open(paths[name], "w") as f:
      json.dump(rep, f)
  out = str(tmp_path / "cmp")
  cs.main(cs.argparse.Namespace(longer=paths["longer"], annealed=paths["annealed"], out=out, title="t"))
  text = open(out + ".md").read()
  assert "| mnist/hinge | FID (classifier feat.) | 6 ± 0.5 (step 15) |" in text
  assert "step 25 (4.9 ± 0.6)" in text and "not up to step 25" in text
  assert "in 1 of 2 (run, metric) pairs" in text
  assert os.path.getsize(out + ".png") > 10000
  with pytest.raises(SystemExit, match="--longer is a report of claim 'amgan', --annealed of 'mhgan'"):
    cs.main(cs.argparse.Namespace(longer=paths["other"], annealed=paths["annealed"], out=out + "2", title="t"))
  assert not os.path.exists(out + "2.md")
