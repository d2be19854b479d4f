#!/usr/bin/env bash
# Placeholder until the demo app lands: says so and fails, rather than pretending.
echo "demo: the demo app is not built yet (see the issue 'demo-app and make demo')" >&2
exit 1
