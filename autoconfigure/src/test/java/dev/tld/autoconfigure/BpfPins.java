// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.tld.core.KernelSupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pins in bpffs for tests: a directory per test class and JVM, so that test runs never
 * share a map with each other or with a running demo, and its removal afterwards.
 */
final class BpfPins {

	private BpfPins() {
	}

	/** Skip unless BPF task local data works here and bpffs is writable. */
	static void assumeBpffs() {
		KernelSupport.Report report = KernelSupport.probe();
		assumeTrue(report.available(), () -> "BPF task local data unavailable: " + report.reason());
		assumeTrue(Files.isWritable(Path.of("/sys/fs/bpf")), "bpffs is not mounted writable at /sys/fs/bpf");
	}

	/** {@code /sys/fs/bpf/<name>-<pid>/tld_data_map}. */
	static Path dataMap(String name) {
		return Path.of("/sys/fs/bpf", name + "-" + ProcessHandle.current().pid(), "tld_data_map");
	}

	/** Unpin everything in the pin's directory and remove it. */
	static void remove(Path pin) throws IOException {
		Path dir = pin.getParent();
		if (!Files.isDirectory(dir)) {
			return;
		}
		try (Stream<Path> files = Files.list(dir)) {
			for (Path p : files.toList()) {
				Files.deleteIfExists(p);
			}
		}
		Files.deleteIfExists(dir);
	}

}
