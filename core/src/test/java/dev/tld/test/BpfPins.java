// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Pins in bpffs for tests: a directory per test and JVM, so that test runs never share a
 * map with each other or with a running demo, and its removal afterwards.
 */
public final class BpfPins {

	private static final Path BPFFS = Path.of("/sys/fs/bpf");

	private BpfPins() {
	}

	/**
	 * Whether bpffs is mounted, writable, at {@code /sys/fs/bpf}.
	 * @return true if pins can be made there
	 */
	public static boolean bpffsWritable() {
		return Files.isDirectory(BPFFS) && Files.isWritable(BPFFS);
	}

	/**
	 * A pin path of a data map of this JVM's own.
	 * @param name what the directory is for, e.g. the test's name
	 * @return {@code /sys/fs/bpf/<name>-<pid>/tld_data_map}
	 */
	public static Path dataMap(String name) {
		return directory(name).resolve("tld_data_map");
	}

	/**
	 * A pin directory of this JVM's own (not created).
	 * @param name what the directory is for
	 * @return {@code /sys/fs/bpf/<name>-<pid>}
	 */
	public static Path directory(String name) {
		return BPFFS.resolve(name + "-" + ProcessHandle.current().pid());
	}

	/**
	 * Unpin everything in a pin's directory and remove the directory.
	 * @param pin a pin made under {@link #directory(String)}
	 * @throws IOException if a file cannot be removed
	 */
	public static void remove(Path pin) throws IOException {
		Path dir = pin.getParent();
		if (dir == null || !Files.isDirectory(dir)) {
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
