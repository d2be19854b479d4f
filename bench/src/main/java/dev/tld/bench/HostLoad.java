// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The unrelated process of the host benchmarks: {@code src/main/c/tld_hostload.c}, built
 * with the module ({@code scripts/build-native.sh}) and found on the class path, copied
 * once to an executable file of its own.
 */
final class HostLoad {

	/** Where the build puts the executable on the class path. */
	static final String RESOURCE = "/dev/tld/bench/native/tld_hostload";

	private static Path executable;

	private HostLoad() {
	}

	/**
	 * The CPU the load runs on: the last one (the benchmark's JVM runs mostly on the
	 * others).
	 * @return the CPU number
	 */
	static int cpu() {
		return Math.max(0, java.lang.Runtime.getRuntime().availableProcessors() - 1);
	}

	/**
	 * {@code getppid()} in a loop.
	 * @param calls calls per repetition
	 * @param reps repetitions
	 * @return ns per system call, one per repetition
	 * @throws IOException if the process fails
	 */
	static double[] syscalls(long calls, int reps) throws IOException, InterruptedException {
		return run("syscall", calls, reps);
	}

	/**
	 * A pipe ping-pong between the process and its child, both on {@link #cpu()}.
	 * @param roundTrips round trips per repetition
	 * @param reps repetitions
	 * @return ns per round trip (two switches, four system calls), one per repetition
	 * @throws IOException if the process fails
	 */
	static double[] pingPong(long roundTrips, int reps) throws IOException, InterruptedException {
		return run("switch", roundTrips, reps);
	}

	private static double[] run(String mode, long n, int reps) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(executable().toString(), mode, Long.toString(n), Integer.toString(reps),
				Integer.toString(cpu()))
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
		if (!p.waitFor(10, TimeUnit.MINUTES)) {
			p.destroyForcibly();
			throw new IOException("tld_hostload " + mode + " did not finish");
		}
		if (p.exitValue() != 0) {
			throw new IOException("tld_hostload " + mode + " failed with exit code " + p.exitValue());
		}
		List<Double> values = new ArrayList<>();
		for (String line : out.split("\n")) {
			if (!line.isBlank()) {
				values.add(Double.parseDouble(line.trim()));
			}
		}
		if (values.size() != reps || values.stream().anyMatch((v) -> !(v > 0))) {
			throw new IOException("tld_hostload " + mode + " printed " + out);
		}
		return values.stream().mapToDouble(Double::doubleValue).toArray();
	}

	private static synchronized Path executable() throws IOException {
		if (executable == null) {
			try (InputStream in = HostLoad.class.getResourceAsStream(RESOURCE)) {
				if (in == null) {
					throw new IOException(RESOURCE + " is not on the class path: build the bench module with Maven"
							+ " (scripts/build-native.sh needs clang-19)");
				}
				Path file = Files.createTempFile("tld_hostload", "");
				file.toFile().deleteOnExit();
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
				if (!file.toFile().setExecutable(true, true)) {
					throw new IOException("cannot make " + file + " executable");
				}
				executable = file;
			}
		}
		return executable;
	}

}
