"""Dependencies point one way: each library package, every module of it imported in a fresh interpreter, loads
exactly the tfgan_mh packages its layer allows (training and evaluation never each other; data, models, losses,
augment and metrics nothing above them)."""

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

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module("tfgan_mh." + sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
  importlib.import_module(module.name)
print(json.dumps(sorted({m.split(".")[1] for m in sys.modules if m.startswith("tfgan_mh.")} - {sys.argv[1]})))
"""


class LayersTest(absltest.TestCase):

  def test_each_package_imports_only_its_layer(self):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO)
    procs = {name: subprocess.Popen([sys.executable, "-c", _PROBE, name], cwd=REPO, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in LAYERS}
    for name, proc in procs.items():
      out, err = proc.communicate(timeout=300)
      self.assertEqual(proc.returncode, 0, msg=f"importing tfgan_mh.{name}: {err[-2000:]}")
      self.assertEqual(set(json.loads(out.strip().splitlines()[-1])), LAYERS[name], msg=f"tfgan_mh.{name}")

  def test_no_package_loads_one_that_loads_it(self):
    for name, deps in LAYERS.items():
      for dep in deps & set(LAYERS):
        self.assertNotIn(name, LAYERS[dep], msg=f"{name} <-> {dep}")


if __name__ == "__main__":
  absltest.main()
