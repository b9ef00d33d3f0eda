"""Dependencies point one way: each library package, every module of it imported in a fresh interpreter (a child
forked before any tfgan_mh module is loaded), loads exactly the tfgan_mh packages its layer allows (training and
evaluation never each other; data, models, losses, augment and metrics nothing above them)."""

import json
import os
import subprocess
import sys

from absl.testing import absltest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# package -> the other tfgan_mh packages / root modules it may load (cpu: the oneDNN switch every package's
# import of TensorFlow goes through; cli: one-line errors).
LAYERS = {
    "data": {"cpu"},
    "models": {"cpu"},
    "augment": {"cpu"},
    "metrics": {"cpu"},
    "losses": {"cpu", "models"},
    "run": {"cli", "cpu", "models"},
    "training": {"augment", "cli", "cpu", "data", "losses", "models", "plots", "run"},
    "evaluation": {"cli", "cpu", "data", "metrics", "models", "run"},
    "inspection": {"cli", "cpu", "data", "evaluation", "models", "plots", "run"},
}

# One interpreter imports the third-party libraries every package loads (TensorFlow's import is most of each
# probe's cost), then forks a child per package: each child starts with no tfgan_mh module loaded, imports every
# module of its package and reports the other tfgan_mh packages that came with them (or its traceback).
_PROBE = """
import importlib, json, os, pkgutil, sys, traceback
import gin, keras, matplotlib, numpy, scipy, tensorflow
assert not [m for m in sys.modules if m.startswith("tfgan_mh")]
results = {}
for name in sys.argv[1:]:
  read, write = os.pipe()
  pid = os.fork()
  if pid == 0:
    os.close(read)
    try:
      package = importlib.import_module("tfgan_mh." + name)
      for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
      out = sorted({m.split(".")[1] for m in sys.modules if m.startswith("tfgan_mh.")} - {name})
    except BaseException:  # pylint: disable=broad-except
      out = traceback.format_exc()
    os.write(write, json.dumps(out).encode())
    os._exit(0)
  os.close(write)
  with os.fdopen(read) as f:
    results[name] = json.loads(f.read() or '"the child wrote nothing"')
  os.waitpid(pid, 0)
print(json.dumps(results))
"""


class LayersTest(absltest.TestCase):

  def test_each_package_imports_only_its_layer(self):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, "-c", _PROBE, *LAYERS], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=600, check=False)
    self.assertEqual(proc.returncode, 0, msg=proc.stderr[-2000:])
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, loaded in results.items():
      self.assertIsInstance(loaded, list, msg=f"importing tfgan_mh.{name}: {loaded}")
      self.assertEqual(set(loaded), LAYERS[name], msg=f"tfgan_mh.{name}")
    self.assertEqual(sorted(results), sorted(LAYERS))

  def test_the_trainer_names_no_loss_family(self):
    """A family owns its behaviour: tfgan_mh/training/ never mentions one (the trainer issue's grep, kept true)."""
    import re  # pylint: disable=g-import-not-at-top
    folder = os.path.join(REPO, "tfgan_mh", "training")
    found = []
    for name in sorted(os.listdir(folder)):
      if name.endswith(".py"):
        with open(os.path.join(folder, name)) as f:
          found += [f"{name}:{i}" for i, line in enumerate(f, 1) if re.search(r"translation|magan|uses_margin", line)]
    self.assertEqual(found, [])

  def test_no_package_loads_one_that_loads_it(self):
    for name, deps in LAYERS.items():
      for dep in deps & set(LAYERS):
        self.assertNotIn(name, LAYERS[dep], msg=f"{name} <-> {dep}")


if __name__ == "__main__":
  absltest.main()
