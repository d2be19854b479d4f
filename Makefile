# Thin wrappers: install what is missing (idempotent), then run Maven.
MVN ?= mvn -B -ntp

.PHONY: deps check demo build clean

deps:
	bash scripts/install-deps.sh

build: deps
	$(MVN) -DskipTests install

check: deps
	$(MVN) verify

demo: deps
	bash scripts/demo.sh

clean:
	$(MVN) -q clean
