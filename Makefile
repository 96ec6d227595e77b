# saydo: the two commands a person needs are `make demo` and `make test`.
# Both install missing Debian packages (scripts/deps.sh) and build first.
BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo bench notebooks clean asan fuzz

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/saydo

# the whole ctest suite under ASan+UBSan (build-asan); scripts/ci-asan.sh
asan: deps
	JOBS=$(JOBS) bash scripts/ci-asan.sh

# libFuzzer targets (clang, build-fuzz), FUZZ_SECONDS each; FUZZ_REGRESS=1 only
# replays seeds and saved findings. tests/fuzz/run.sh
FUZZ_SECONDS ?= 60
fuzz:
	@bash scripts/deps.sh --extra
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

bench: build
	@bash bench/run.sh $(BUILD)/saydo

notebooks: build
	@bash scripts/deps.sh --extra
	@bash notebooks/run.sh $(BUILD)/saydo

clean:
	rm -rf $(BUILD) build-asan
