# Thin wrapper: every target installs what is missing, then builds with the
# CMake preset. The real build is CMakeLists.txt.
BUILD   ?= build
PRESET  ?= default
LISTEN  ?= 127.0.0.1:50051
DB      ?= ./var/agentd.db
JOBS    ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build run test demo bench bench-peer clean

all: build

deps:
	@./tools/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET) $(CMAKE_ARGS) >/dev/null

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	$(BUILD)/bin/agentd --listen=$(LISTEN) --db=$(DB) --log_format=text

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@./tools/demo.sh $(BUILD)

# Benchmark numbers come from a Release build of what the load test runs.
# The LangGraph.js peer's npm packages are installed here and nowhere else.
bench: deps bench-peer
	cmake --preset release >/dev/null
	cmake --build build-release -j $(JOBS) --target agentd agentctl backend_architect stub_peer \
	  agentd_agents agentd_python_stubs agentd-bench-echo agentd-bench-bodies
	./bench/run.sh build-release

bench-peer:
	@test -d bench/peers/langgraph/node_modules/@langchain/langgraph-checkpoint-sqlite || \
	  (cd bench/peers/langgraph && npm_config_nodedir=/usr npm ci --no-audit --no-fund)

clean:
	rm -rf $(BUILD)
