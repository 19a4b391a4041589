# Thin wrapper: every target installs what is missing, then builds with the
# CMake preset. The real build is CMakeLists.txt.
BUILD   ?= build
PRESET  ?= default
LISTEN  ?= 127.0.0.1:50051
DB      ?= ./var/agentd.db
JOBS    ?= $(shell nproc)

.PHONY: all deps build run test demo bench clean

all: build

deps:
	@./tools/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET) >/dev/null

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	$(BUILD)/bin/agentd --listen=$(LISTEN) --db=$(DB) --log_format=text

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@./tools/demo.sh $(BUILD)

bench: build
	@./bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
