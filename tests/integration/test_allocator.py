"""agentd runs with the allocator settings server/main.cc gives jemalloc:
jemalloc prints the options in effect at exit when MALLOC_CONF asks it to."""

import unittest

from agentd_fixture import AgentdProcess


class AllocatorTest(unittest.TestCase):
    def test_jemalloc_has_one_arena_per_cpu_and_returns_freed_pages_over_30s(self):
        # stats_print_opts: general information only (no per-arena tables).
        agentd = AgentdProcess(env={"MALLOC_CONF": "stats_print:true,stats_print_opts:mdablxe"})
        try:
            agentd.start()
            agentd.stop()
            log = agentd.log()
        finally:
            agentd.cleanup()
        if "jemalloc statistics" not in log:
            self.skipTest("agentd is built without jemalloc (sanitizer builds): no allocator settings to check")
        self.assertIn('opt.percpu_arena: "percpu"', log)
        self.assertIn("opt.dirty_decay_ms: 30000 ", log)


if __name__ == "__main__":
    unittest.main()
