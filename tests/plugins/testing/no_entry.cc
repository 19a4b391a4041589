// A shared library that is not an agentd plugin: no entry symbol.
extern "C" __attribute__((visibility("default"))) int not_an_agentd_plugin(void) { return 42; }
