# SPDX-License-Identifier: Apache-2.0
# Thin wrappers: install what is missing (idempotent), then run Maven.
MVN ?= mvn -B -ntp

.PHONY: deps check soak demo build clean bench

deps:
	bash scripts/install-deps.sh

build: deps
	$(MVN) -DskipTests install

check: deps
	$(MVN) verify

# The long soaks (JUnit tag "soak": 100,000-thread churn, 100,000-request leak test, ...);
# make check runs a smoke of each.
soak: deps
	$(MVN) verify -Dtld.test.excludedGroups= -Dgroups=soak -Dtld.jdk25.skip=true -Dsurefire.failIfNoSpecifiedTests=false

demo: deps
	bash scripts/demo.sh

# The full benchmarks (some 15 minutes undisturbed, java_write on Java 25 too where installed):
# bench/out/results.json, results.svg and results.md. See bench/README.md.
bench: deps
	$(MVN) -Pbench -pl bench -am -DskipTests verify

clean:
	$(MVN) -q clean
