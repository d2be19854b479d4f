# SPDX-License-Identifier: Apache-2.0
# Thin wrappers: install what is missing (idempotent), then run Maven.
MVN ?= mvn -B -ntp

.PHONY: deps check demo build clean bench

deps:
	bash scripts/install-deps.sh

build: deps
	$(MVN) -DskipTests install

check: deps
	$(MVN) verify

demo: deps
	bash scripts/demo.sh

# The full benchmarks (some 12 minutes undisturbed, java_write on Java 25 too where installed):
# bench/out/results.json, results.svg and results.md. See bench/README.md.
bench: deps
	$(MVN) -Pbench -pl bench -am -DskipTests verify

clean:
	$(MVN) -q clean
