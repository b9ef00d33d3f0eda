"""tests/forkserver.py runs a command as a fresh `python` process would: same exit code, stdout, stderr, working
directory, environment, argv and sys.path[0] as `subprocess.run` of the same argv (the reference)."""

import os
import shutil
import subprocess
import sys
import tempfile

from absl.testing import absltest

from tests import forkserver

_PROBE = """
import atexit, json, os, sys
atexit.register(lambda: print("atexit ran"))
print(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0], "probe": os.environ.get("PROBE")}))
print("to stderr", file=sys.stderr)
if "--fail" in sys.argv:
  raise RuntimeError("failed as asked")
if "--sleep" in sys.argv:
  import time
  time.sleep(60)
sys.exit(int(sys.argv[-1]) if sys.argv[-1].isdigit() else None)
"""


class ForkServerTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp(prefix="forkserver_test_")  # one PYTHONPATH: one server for the class
    cls.script = os.path.join(cls.dir, "probe_mod.py")
    with open(cls.script, "w") as f:
      f.write(_PROBE)
    cls.env = dict(os.environ, PROBE="x y", PYTHONPATH=cls.dir)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.dir, ignore_errors=True)
    super().tearDownClass()

  def setUp(self):
    super().setUp()
    self.cwd = self.create_tempdir().full_path

  def _both(self, argv, **kwargs):
    forked = forkserver.run(argv, **kwargs)
    real = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, **kwargs)
    return forked, real

  def test_a_script_and_a_module_as_a_fresh_process_runs_them(self):
    for argv in ([sys.executable, self.script, "--a=1", "3"], [sys.executable, "-m", "probe_mod", "b", "0"],
                 [sys.executable, self.script, "plain"]):
      forked, real = self._both(argv, cwd=self.cwd, env=self.env)
      self.assertEqual((forked.returncode, forked.stdout, forked.stderr),
                       (real.returncode, real.stdout, real.stderr), argv)
    self.assertEqual(forked.returncode, 0)
    self.assertIn('"probe": "x y"', forked.stdout)
    self.assertTrue(forked.stdout.endswith("atexit ran\n"))

  def test_an_uncaught_error_exits_1_with_its_traceback(self):
    forked, real = self._both([sys.executable, self.script, "--fail"], cwd=self.cwd, env=self.env)
    self.assertEqual(forked.returncode, 1)
    self.assertEqual(forked.returncode, real.returncode)
    self.assertEqual(forked.stderr.splitlines()[-1], "RuntimeError: failed as asked")
    self.assertEqual(forked.stderr.splitlines()[-1], real.stderr.splitlines()[-1])

  def test_other_commands_run_as_subprocesses_and_a_timeout_kills_the_child(self):
    forked, real = self._both([sys.executable, "-c", "print('c')"], cwd=self.cwd, env=self.env)
    self.assertEqual((forked.returncode, forked.stdout), (real.returncode, real.stdout))
    with self.assertRaises(subprocess.TimeoutExpired):
      forkserver.run([sys.executable, self.script, "--sleep"], cwd=self.cwd, env=self.env, timeout=2)
    after = forkserver.run([sys.executable, self.script, "5"], cwd=self.cwd, env=self.env)  # still serving
    self.assertEqual(after.returncode, 5)


if __name__ == "__main__":
  absltest.main()
