"""tools/check_layering.py: the tree keeps its layers, and a break is caught."""

import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("AGENTD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(SOURCE, "tools", "check_layering.py")


def run(root):
    return subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True, timeout=60)


class CheckLayeringTest(unittest.TestCase):
    def test_the_tree_keeps_its_layers(self):
        result = run(SOURCE)
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_db_including_server_is_caught(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "db"))
            with open(os.path.join(root, "db", "store.cc"), "w") as f:
                f.write('#include "db/store.h"\n#include "server/core/merger.h"\n')
            result = run(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("db/store.cc:2:", result.stdout)

    def test_core_including_grpc_is_caught(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "server", "core"))
            with open(os.path.join(root, "server", "core", "x.h"), "w") as f:
                f.write('#include "agentd/v1/orchestrator.grpc.pb.h"\n')
            result = run(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("server/core/x.h:1:", result.stdout)


if __name__ == "__main__":
    unittest.main()
